"""The demo partnerships, drawn from real joint commissioning documents.

One place for all demo data: each area of the platform adds a loader to ``LOADERS``. Loading is
idempotent (a second run changes nothing) and refused in production mode.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from commissioning.core.system import system_user
from commissioning.demo import finance, governance, market, needs, partners, performance, strategy

DEMO_PASSWORD = "demo-password"

LOADERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("partners", partners.load),
    ("needs assessment", needs.load),
    ("governance and engagement", governance.load),
    ("resources", finance.load),
    ("market and contracts", market.load),
    ("performance and quality", performance.load),
    ("strategy", strategy.load),
)


def load_demo(*, say: Callable[[str], None] = print) -> None:
    if not settings.DEMO_ALLOWED:
        raise ImproperlyConfigured("The demo cannot be loaded in production mode.")
    with transaction.atomic():
        actor = system_user()
        for name, loader in LOADERS:
            say(f"Loading demo {name} …")
            loader(actor=actor, password=DEMO_PASSWORD, say=say)
