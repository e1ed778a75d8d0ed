"""Django forms dressed in the NHS.UK design system, and service errors put back on fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

T = TypeVar("T")

WIDGET_CLASSES = {
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.Textarea: "nhsuk-textarea",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.CheckboxSelectMultiple: "nhsuk-checkboxes__input",
    forms.RadioSelect: "nhsuk-radios__input",
}


def widget_class(widget: forms.Widget) -> str:
    """The design system's class for a widget, found through its bases (a subclass of
    ``CheckboxSelectMultiple`` still draws NHS.UK checkboxes)."""
    for kind in type(widget).__mro__:
        if kind in WIDGET_CLASSES:
            return WIDGET_CLASSES[kind]
    return "nhsuk-input"


class NhsFormMixin:
    """Adds the design system's classes and error wiring to every widget."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", widget_class(field.widget))
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        """After validation, mark fields in error the way the design system expects."""
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            self.mark_error(name)

    def mark_error(self, name: str) -> None:
        field = self.fields.get(name)
        if field is None or "--error" in field.widget.attrs.get("class", ""):
            return
        css = field.widget.attrs["class"].split()[0]
        field.widget.attrs["class"] += f" {css}--error"
        described = field.widget.attrs.get("aria-describedby", "")
        field.widget.attrs["aria-describedby"] = f"{described} id_{name}-error".strip()

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, or above the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)  # type: ignore[attr-defined]
                if target:
                    self.mark_error(target)
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


def form_page(request: HttpRequest, template: str, form: Any, **context: Any) -> HttpResponse:
    """Render a form page; a form with errors answers 400 so the refusal is plain to any client."""
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)
