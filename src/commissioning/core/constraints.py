"""Database constraints the apps share."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    """A check-constraint condition: the field holds one of the choices' values, enforced by the database."""
    return Q(**{f"{field}__in": [value for value, _ in choices.choices]})
