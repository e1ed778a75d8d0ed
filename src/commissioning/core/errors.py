"""Errors that services raise and pages and the API turn into clear messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class NotPermitted(PermissionDenied):
    """The actor's role in this partnership does not allow the change."""
