"""The cross-agency contract audit under ``/p/<slug>/contract-audit/``."""

from django.urls import path  # noqa: F401

app_name = "contract_audit"

urlpatterns: list = []
