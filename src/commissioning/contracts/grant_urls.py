"""Grants to voluntary and community organisations under ``/p/<slug>/grants/``."""

from django.urls import path  # noqa: F401

app_name = "grants"

urlpatterns: list = []
