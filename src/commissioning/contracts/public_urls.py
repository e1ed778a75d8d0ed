"""Open data anyone may fetch without signing in, under ``/public/<slug>/``."""

from django.urls import path  # noqa: F401

app_name = "contracts_public"

urlpatterns: list = []
