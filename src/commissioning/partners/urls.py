from django.urls import path

from commissioning.partners import views

app_name = "partners"

urlpatterns = [
    path("partnership/", views.partnership_detail, name="partnership"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("care-groups/", views.care_group_list, name="care_groups"),
    path("care-groups/new/", views.care_group_new, name="care_group_new"),
    path("care-groups/<int:pk>/", views.care_group_detail, name="care_group"),
    path("care-groups/<int:pk>/edit/", views.care_group_edit, name="care_group_edit"),
    path("areas/", views.area_list, name="areas"),
    path("areas/<str:gss_code>/", views.area_detail, name="area"),
    path("people/", views.membership_list, name="memberships"),
    path("people/new/", views.membership_new, name="membership_new"),
    path("people/add/", views.person_new, name="person_new"),
    path("people/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("audit/", views.audit_log, name="audit"),
]
