from django.urls import path

from commissioning.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.consultation_list, name="consultations"),
    path("new/", views.consultation_new, name="consultation_new"),
    path("you-said-we-did/", views.you_said_we_did, name="you_said_we_did"),
    path("<int:pk>/", views.consultation_detail, name="consultation"),
    path("<int:pk>/edit/", views.consultation_edit, name="consultation_edit"),
    path("<int:pk>/publish/", views.consultation_publish, name="consultation_publish"),
    path("<int:pk>/themes/new/", views.theme_new, name="theme_new"),
    path("<int:pk>/themes/<int:theme_pk>/edit/", views.theme_edit, name="theme_edit"),
    path("<int:pk>/responses/new/", views.response_new, name="response_new"),
    path("<int:pk>/responses/import/", views.responses_upload, name="responses_import"),
]
