from django.urls import path

from commissioning.needs import import_views, views

app_name = "needs"

urlpatterns = [
    path("", views.home, name="home"),
    path("areas/<str:gss_code>/profile/", views.area_profile, name="area_profile"),
    path("indicators/<int:pk>/", views.indicator, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("worse/", views.worse, name="worse"),
    path("projections/", views.projections, name="projections"),
    path("import/", import_views.upload, name="import"),
]
