"""Provider register and provider pages (market views and the contracts-and-spend page) under ``/p/<slug>/providers/``."""

from django.urls import path  # noqa: F401

app_name = "providers"

urlpatterns: list = []
