"""Placements and price intelligence under ``/p/<slug>/placements/``."""

from django.urls import path  # noqa: F401

app_name = "placements"

urlpatterns: list = []
