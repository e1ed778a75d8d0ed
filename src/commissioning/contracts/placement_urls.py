"""Placements and price intelligence under ``/p/<slug>/placements/``."""

from django.urls import path

from commissioning.contracts import placement_views as views

app_name = "placements"

urlpatterns = [
    path("", views.placement_list, name="list"),
    path("new/", views.placement_new, name="new"),
    path("<int:pk>/", views.placement_detail, name="detail"),
    path("import/", views.placement_import, name="import"),
    path("prices/", views.prices, name="prices"),
    path("personalisation/", views.personalisation, name="personalisation"),
]
