"""Pages under ``/p/<slug>/decommissioning/``."""

from django.urls import path  # noqa: F401

app_name = "decommissioning"

urlpatterns: list = []
