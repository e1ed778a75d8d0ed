"""One way for services to validate a model before writing it."""

from __future__ import annotations

from django.db import models


def validate(obj: models.Model) -> None:
    """Run field and model validation, raising ``ValidationError`` keyed by field.

    Database constraints stay as the backstop; their rules are checked, with field-named
    messages, in each model's ``clean()``, so they are not checked twice here.
    """
    obj.full_clean(validate_constraints=False)
