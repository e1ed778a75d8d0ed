"""The golden thread page of a priority reads in a fixed number of queries however much hangs off it.

On a throwaway SQLite database (migrated in a temporary folder, DEBUG off as in production), builds a
partnership with a council and a provider, and two priorities: one with about 50 linked objects, one
with about 500. Each linked "unit" is a service serving the priority, the budget line that funds it
(all of it), the contract that delivers it and that contract's KPI, so a priority with ``n`` units
has ``4n`` objects below it on the thread. Then, as a signed-in commissioner, it requests each
priority's golden thread page through Django's test client and counts the database queries.

Prints each size's objects, queries and time, and last ``queries_50=<n> queries_500=<m>``: the two
counts must be equal (the page does not query per object).

    uv run python bench/golden_thread.py
    uv run python bench/golden_thread.py --sizes 50 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any


def setup_django(folder: Path) -> None:
    os.environ["COMMISSIONING_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "commissioning.config.settings"
    os.environ["DEBUG"] = "false"
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # so the response carries its template context
    call_command("migrate", interactive=False, verbosity=0)


def setup_partnership() -> dict[str, Any]:
    """A partnership with a council, a provider, a care group, an outcome and a commissioner."""
    from commissioning.core.models import User
    from commissioning.market.models import Provider
    from commissioning.partners.models import (
        CareGroup,
        Membership,
        Organisation,
        Partnership,
        PartnershipMember,
    )
    from commissioning.strategy.models import Outcome, OutcomeFramework

    partnership = Partnership.objects.create(name="Bench partnership", slug="bench")
    council = Organisation.objects.create(
        name="Bench City Council", kind=Organisation.Kind.LOCAL_AUTHORITY, gss_code="E06999999"
    )
    PartnershipMember.objects.create(partnership=partnership, organisation=council, role="host")
    supplier = Organisation.objects.create(
        name="Bench Care Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER, companies_house_number="99999999"
    )
    provider = Provider.objects.create(partnership=partnership, organisation=supplier, sector="private")
    user = User.objects.create_user(username="bench-commissioner", password="not-used-bench-only")
    Membership.objects.create(user=user, partnership=partnership, organisation=council, role="commissioner")
    group = CareGroup.objects.create(partnership=partnership, name="Older people", slug="older-people")
    framework = OutcomeFramework.objects.create(partnership=partnership, name="Adult social care outcomes")
    outcome = Outcome.objects.create(framework=framework, code="delaying-need", title="Delaying need")
    return {
        "partnership": partnership,
        "council": council,
        "provider": provider,
        "user": user,
        "group": group,
        "outcome": outcome,
    }


def build_priority(setup: dict[str, Any], objects: int, label: str) -> Any:
    """A priority with ``objects // 4`` units below it: service, budget line, contract, KPI."""
    from commissioning.contracts.models import Contract, Kpi
    from commissioning.finance.models import BudgetLine
    from commissioning.strategy.models import Priority, Service, ServiceFunding

    partnership, council = setup["partnership"], setup["council"]
    priority = Priority.objects.create(
        partnership=partnership,
        care_group=setup["group"],
        title=f"Priority with {label} linked objects",
        statement="Fewer falls.",
        created_by=setup["user"],
    )
    priority.outcomes.add(setup["outcome"])
    for unit in range(objects // 4):
        code = f"{label}-{unit:04d}"
        service = Service.objects.create(
            partnership=partnership, name=f"Service {code}", commissioner=council, created_by=setup["user"]
        )
        service.priorities.add(priority)
        service.outcomes.add(setup["outcome"])
        service.care_groups.add(setup["group"])
        line = BudgetLine.objects.create(
            partnership=partnership,
            organisation=council,
            financial_year=2026,
            cost_centre=f"B{code}",
            service_area=f"Service {code}",
            tier="community",
            amount=Decimal("125000.00"),
        )
        ServiceFunding.objects.create(service=service, budget_line=line, share_bp=10_000)
        contract = Contract.objects.create(
            partnership=partnership,
            reference=f"C-{code}",
            title=f"Contract {code}",
            provider=setup["provider"],
            lead_commissioner=council,
            service_type="prevention",
            starts_on=dt.date(2025, 4, 1),
            ends_on=dt.date(2028, 3, 31),
            annual_value=Decimal("125000.00"),
            lifetime_value=Decimal("375000.00"),
            payment_basis="block",
        )
        service.contracts.add(contract)
        Kpi.objects.create(
            contract=contract,
            code="K1",
            name="People supported",
            definition="People supported in the quarter.",
            polarity="increase",
            frequency="quarterly",
        )
    return priority


def measure(setup: dict[str, Any], priority: Any) -> tuple[int, int, float]:
    """(objects on the thread, queries, seconds) for one request of the priority's thread page."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(setup["user"])
    url = reverse("strategy:thread", args=[setup["partnership"].slug, "priority", priority.pk])
    client.get(url)  # warm caches (content types, templates) so both sizes are measured alike
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"The thread page answered {response.status_code}.")
    return response.context["thread"].count, len(queries.captured_queries), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(50, 500), metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    small, large = args.sizes
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder))
        setup = setup_partnership()
        counts = {}
        for size in (small, large):
            priority = build_priority(setup, size, str(size))
            objects, queries, seconds = measure(setup, priority)
            counts[size] = queries
            print(f"priority with {objects} linked objects: {queries} queries, {seconds:.3f} s")
        print(f"queries_50={counts[small]} queries_500={counts[large]}")


if __name__ == "__main__":
    main()
