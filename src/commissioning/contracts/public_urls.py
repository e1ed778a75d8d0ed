"""Open data anyone may fetch without signing in, under ``/public/<slug>/``."""

from django.urls import path

from commissioning.contracts import public_views

app_name = "contracts_public"

urlpatterns = [
    path("open-data/", public_views.open_data, name="open_data"),
    path("open-data/ocds.json", public_views.ocds_package, name="ocds"),
    path("open-data/360giving.csv", public_views.grants_file, name="grants"),
    path("open-data/contract-register.csv", public_views.transparency, name="transparency"),
]
