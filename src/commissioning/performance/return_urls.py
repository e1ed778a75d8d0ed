"""Pages under ``/p/<slug>/returns/``."""

from django.urls import path  # noqa: F401

app_name = "returns"

urlpatterns: list = []
