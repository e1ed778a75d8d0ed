"""A decision names the consultation themes it answers: its engagement evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.permissions import Role
from commissioning.engagement.models import Theme
from commissioning.engagement.services import consultation_create, theme_add
from commissioning.governance import services


def test_a_decision_is_linked_to_the_themes_it_answers(southampton, user_for, client_for):
    themes = list(Theme.objects.filter(consultation__partnership=southampton)[:2])
    decision = services.decision_create(
        actor=user_for("southampton", Role.COMMISSIONER),
        partnership=southampton,
        title="Business support for the unit",
        kind="service",
        themes=themes,
    )
    assert set(decision.themes.all()) == set(themes)
    page = client_for("southampton", Role.VIEWER).get(f"/p/southampton/governance/decisions/{decision.pk}/")
    assert themes[0].you_said in page.content.decode()
    form = client_for("southampton", Role.COMMISSIONER).get(
        f"/p/southampton/governance/decisions/{decision.pk}/edit/"
    )
    assert "consultation themes this decision answers" in form.content.decode()


def test_another_partnerships_themes_are_refused(southampton, nottinghamshire, user_for):
    notts = user_for("nottinghamshire", Role.COMMISSIONER)
    consultation = consultation_create(
        actor=notts,
        partnership=nottinghamshire,
        title="Day opportunities",
        purpose="Ask about day services.",
        audiences=["carers"],
        channels=["survey"],
        opens_on=dt.date(2026, 1, 5),
        closes_on=dt.date(2026, 2, 5),
    )
    theme = theme_add(
        actor=notts,
        partnership=nottinghamshire,
        consultation=consultation,
        title="Hours",
        you_said="Longer days.",
    )
    with pytest.raises(ValidationError) as refused:
        services.decision_create(
            actor=user_for("southampton", Role.COMMISSIONER),
            partnership=southampton,
            title="Day services",
            kind="service",
            themes=[theme],
        )
    assert "Not from a consultation of Southampton" in str(refused.value)
