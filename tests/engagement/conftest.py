"""A consultation in Southampton, with two themes, for the engagement tests."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.core.permissions import Role
from commissioning.engagement.services import consultation_create, theme_add

OPENS = dt.date(2025, 1, 6)
CLOSES = dt.date(2025, 3, 31)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def consultation(southampton, commissioner):
    return consultation_create(
        actor=commissioner,
        partnership=southampton,
        title="Short breaks for carers",
        purpose="How should short breaks for carers of adults be arranged?",
        audiences=["carers", "service_users", "providers"],
        channels=["survey", "paper", "event"],
        opens_on=OPENS,
        closes_on=CLOSES,
    )


@pytest.fixture
def themes(southampton, commissioner, consultation):
    return {
        title: theme_add(
            actor=commissioner,
            partnership=southampton,
            consultation=consultation,
            title=title,
            you_said=you_said,
        )
        for title, you_said in (
            ("Booking", "Booking a break takes too long and the forms are hard."),
            ("Overnight care", "There are too few overnight breaks near home."),
        )
    }
