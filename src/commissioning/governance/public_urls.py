"""Governance pages anyone may read without signing in, under ``/public/<slug>/``."""

from django.urls import path

from commissioning.governance import views

app_name = "governance_public"

urlpatterns = [
    path("decisions/", views.public_decisions, name="decisions"),
]
