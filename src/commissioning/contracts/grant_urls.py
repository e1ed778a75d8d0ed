"""Grants to voluntary and community organisations under ``/p/<slug>/grants/``."""

from django.urls import path

from commissioning.contracts import grant_views

app_name = "grants"

urlpatterns = [
    path("", grant_views.grant_list, name="list"),
    path("import/", grant_views.grant_import, name="import"),
    path("<int:pk>/", grant_views.grant_detail, name="detail"),
]
