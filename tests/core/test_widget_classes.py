"""Every widget gets the NHS.UK design system's class, subclasses included: a checkbox list drawn
with the ``nhsuk-input`` class loses its boxes' styling."""

from __future__ import annotations

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import Checkboxes


class Example(NhsFormMixin, forms.Form):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A")])
    maybe = forms.NullBooleanField()
    ticks = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=Checkboxes)
    agree = forms.BooleanField()


def test_widgets_and_their_subclasses_get_the_design_systems_classes():
    form = Example()
    classes = {name: field.widget.attrs["class"] for name, field in form.fields.items()}
    assert classes == {
        "name": "nhsuk-input",
        "kind": "nhsuk-select",
        "maybe": "nhsuk-select",
        "ticks": "nhsuk-checkboxes__input",
        "agree": "nhsuk-checkboxes__input",
    }
    assert 'class="nhsuk-checkboxes__input"' in str(form["ticks"])
