"""The cross-agency contract audit under ``/p/<slug>/contract-audit/``."""

from django.urls import path

from commissioning.contracts import duplicate_views

app_name = "contract_audit"

urlpatterns = [
    path("", duplicate_views.duplicate_list, name="duplicates"),
]
