"""Southampton's money: three years of partner budgets, a pooled fund with schemes and a risk share,
twelve months of ledger actuals ending in an overspend, forecasts, and the unit's joint posts.

Amounts are invented but of a realistic size for a city's joint commissioning. The actuals go
through the same ledger import a finance officer uses. The Integrated Commissioning Unit's posts
follow the 2013 cabinet report: existing posts keep their partners' split, new posts are 50:50,
£90,800 a year from each partner.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from commissioning.core.models import User
from commissioning.finance import services
from commissioning.finance.imports import actuals_import, forecasts_import
from commissioning.finance.models import PooledFund
from commissioning.governance.models import Agreement, Team
from commissioning.partners.models import CareGroup, Organisation, Partnership

YEARS = (2024, 2025, 2026)
CLOSED_YEAR = 2025  # 2025/26: twelve months of actuals and its settlement
FUND = "Better Care Fund pooled budget"
# (scheme, type, tier, care group, provider type, council £, CCG £) for 2025/26
SCHEMES = (
    (
        "Reablement at home",
        "Reablement",
        "community",
        "Older people",
        "NHS community provider",
        2_400_000,
        3_100_000,
    ),
    (
        "Carers' breaks and support",
        "Carers' services",
        "prevention",
        "Carers",
        "Voluntary sector",
        650_000,
        450_000,
    ),
    (
        "Community equipment",
        "Assistive technology and equipment",
        "community",
        "Older people",
        "NHS community provider",
        900_000,
        1_100_000,
    ),
    (
        "Falls prevention",
        "Prevention and early intervention",
        "prevention",
        "Older people",
        "Voluntary sector",
        300_000,
        500_000,
    ),
    (
        "Discharge to assess beds",
        "Bed-based intermediate care",
        "placements",
        "Older people",
        "Independent sector",
        1_200_000,
        2_600_000,
    ),
)
# Single-agency and aligned budgets:
# (cost centre, care group, service area, tier, arrangement, council £, CCG £)
BUDGETS = (
    ("MH01", "Mental health", "Community mental health", "community", "aligned", 4_300_000, 9_800_000),
    ("MH02", "Mental health", "Mental health placements", "placements", "single", 6_100_000, 0),
    (
        "LD01",
        "Learning disability and autism",
        "Supported living",
        "placements",
        "aligned",
        14_200_000,
        3_900_000,
    ),
    ("CY01", "Children and young people", "Early help", "prevention", "single", 3_400_000, 0),
    ("CY02", "Children and young people", "Children's community health", "community", "single", 0, 7_600_000),
    ("PD01", "Physical disability and sensory impairment", "Home care", "community", "single", 5_200_000, 0),
    ("PH01", "", "Public health: healthy lifestyles", "prevention", "single", 2_900_000, 0),
)
GROWTH = {2024: Decimal("0.96"), 2025: Decimal("1.00"), 2026: Decimal("1.03")}
PREVENTION_TARGETS = {2024: 1_000, 2025: 1_150, 2026: 1_300}  # basis points


def _money(amount: float | int | Decimal, year: int) -> Decimal:
    return (Decimal(amount) * GROWTH[year]).quantize(Decimal("0.01"))


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None or PooledFund.objects.filter(partnership=partnership).exists():
        return
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    solent = Organisation.objects.get(ods_code="R1C")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    common = {"actor": actor, "partnership": partnership}

    fund = services.fund_create(
        **common,
        name=FUND,
        host=council,
        purpose="Health and social care services for older people and carers, commissioned jointly under "
        "Section 75 with the council as host.",
        starts_on=dt.date(2024, 4, 1),
        risk_share_rule="capped",
        agreement=Agreement.objects.filter(partnership=partnership, kind="s113").first(),
    )
    services.risk_shares_set(
        **common,
        fund=fund,
        shares={council: (5_000, None), ccg: (5_000, Decimal("250000.00"))},
    )
    lines = []
    for year in YEARS:
        council_total = sum(_money(s[5], year) for s in SCHEMES)
        ccg_total = sum(_money(s[6], year) for s in SCHEMES)
        services.contributions_set(
            **common, fund=fund, financial_year=year, amounts={council: council_total, ccg: ccg_total}
        )
    for number, (name, kind, tier, group, provider_type, council_amount, ccg_amount) in enumerate(SCHEMES, 1):
        scheme = services.scheme_create(
            **common,
            fund=fund,
            name=name,
            scheme_type=kind,
            commissioner=council,
            provider_type=provider_type,
            provider=solent if provider_type.startswith("NHS") else None,
            tier=tier,
            care_group=groups.get(group),
            funding=[
                (organisation, year, _money(amount, year))
                for year in YEARS
                for organisation, amount in ((council, council_amount), (ccg, ccg_amount))
            ],
        )
        for year in YEARS:
            for organisation, amount in ((council, council_amount), (ccg, ccg_amount)):
                lines.append(
                    services.budget_line_create(
                        **common,
                        organisation=organisation,
                        financial_year=year,
                        cost_centre=f"BCF{number:02d}",
                        service_area=name,
                        tier=tier,
                        amount=_money(amount, year),
                        arrangement="pooled",
                        care_group=groups.get(group),
                        fund=fund,
                        scheme=scheme,
                    )
                )
    for cost_centre, group, area, tier, arrangement, council_amount, ccg_amount in BUDGETS:
        for year in YEARS:
            for organisation, amount in ((council, council_amount), (ccg, ccg_amount)):
                if amount:
                    lines.append(
                        services.budget_line_create(
                            **common,
                            organisation=organisation,
                            financial_year=year,
                            cost_centre=cost_centre,
                            service_area=area,
                            tier=tier,
                            amount=_money(amount, year),
                            arrangement=arrangement,
                            care_group=groups.get(group),
                        )
                    )
    for year, share in PREVENTION_TARGETS.items():
        services.prevention_target_set(**common, financial_year=year, share_bp=share)

    _ledger(partnership, actor)
    team = Team.objects.filter(partnership=partnership, name="Integrated Commissioning Unit").first()
    if team is not None:
        for title, cost, council_share in (
            ("Associate Director, System Redesign", "78000.00", 6_000),
            ("Associate Director, Quality and Safeguarding", "78000.00", 4_000),
            ("Head of Provider Relationships", "64000.00", 5_500),
        ):
            services.joint_post_create(
                **common,
                team=team,
                title=title,
                annual_cost=Decimal(cost),
                shares={council: council_share, ccg: 10_000 - council_share},
            )
        for title in ("Senior Commissioner, Prevention", "Senior Commissioner, Market Development"):
            services.joint_post_create(
                **common, team=team, title=title, annual_cost=Decimal("90800.00"), is_new=True
            )
    say(f"  resources: {len(lines)} budget lines over {len(YEARS)} years, {FUND} with {len(SCHEMES)} schemes")


def _ledger(partnership: Partnership, actor: User) -> None:
    """Twelve months of 2025/26 actuals from the ledger, running over budget on discharge beds and
    reablement, and the monthly forecasts that saw it coming."""
    rows, forecasts = [], []
    for number, (_, _, _, _, _, council_amount, ccg_amount) in enumerate(SCHEMES, 1):
        pressure = Decimal("1.09") if number in (1, 5) else Decimal("0.99")
        for code, amount in (("E06000045", council_amount), ("10X", ccg_amount)):
            if not amount:
                continue
            budget = _money(amount, CLOSED_YEAR)
            monthly = (budget * pressure / 12).quantize(Decimal("0.01"))
            for month in range(12):
                day = dt.date(CLOSED_YEAR + (month + 3) // 12, (month + 3) % 12 + 1, 1)
                rows.append(
                    {
                        "cost_centre": f"BCF{number:02d}",
                        "period": f"{day:%Y-%m}",
                        "amount": f"{monthly}",
                        "partner": code,
                    }
                )
                drift = Decimal(1) + (pressure - 1) * Decimal(month + 1) / 12
                forecasts.append(
                    {
                        "cost_centre": f"BCF{number:02d}",
                        "partner": code,
                        "made_in": f"{day:%Y-%m}",
                        "outturn": f"{(budget * drift).quantize(Decimal('0.01'))}",
                    }
                )
    with tempfile.TemporaryDirectory(prefix="demo-ledger-") as folder:
        ledger = Path(folder) / "ledger-2025-26.csv"
        _write(ledger, rows)
        actuals_import(
            actor=actor, partnership=partnership, financial_year=CLOSED_YEAR, path=ledger, kind="ledger"
        )
        outlook = Path(folder) / "forecasts-2025-26.csv"
        _write(outlook, forecasts)
        forecasts_import(actor=actor, partnership=partnership, financial_year=CLOSED_YEAR, path=outlook)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
