"""Contract register pages under ``/p/<slug>/contracts/``."""

from django.urls import path  # noqa: F401

app_name = "contracts"

urlpatterns: list = []
