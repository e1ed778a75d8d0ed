"""Django forms dressed in the NHS.UK design system, and service errors put back on fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

T = TypeVar("T")

WIDGET_CLASSES = {
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.Textarea: "nhsuk-textarea",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
}


class NhsFormMixin:
    """Adds the design system's classes and error wiring to every widget."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            css = WIDGET_CLASSES.get(type(field.widget), "nhsuk-input")
            field.widget.attrs.setdefault("class", css)
            described = [f"id_{name}-hint"] if field.help_text else []
            if self.is_bound and name in self.errors:  # type: ignore[attr-defined]
                field.widget.attrs["class"] += f" {css.split()[0]}--error"
                described.append(f"id_{name}-error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, or above the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)  # type: ignore[attr-defined]
        else:
            for message in error.messages:
                self.add_error(None, message)  # type: ignore[attr-defined]


def submit(request: HttpRequest, form: Any, write: Callable[[dict[str, Any]], T]) -> T | None:
    """On a valid POST, call the service with the cleaned data and return what it returns.

    A service's ValidationError lands on the form's fields, and the caller re-renders it.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return write(dict(form.cleaned_data))
    except ValidationError as error:
        form.add_service_error(error)
        return None
