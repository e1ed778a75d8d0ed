"""Procurement pages under ``/p/<slug>/market/``."""

from django.urls import path  # noqa: F401

app_name = "market"

urlpatterns: list = []
