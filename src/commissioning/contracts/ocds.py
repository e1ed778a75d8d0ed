"""Open Contracting Data Standard 1.1: the partnership's procurements and contracts out as a release
package, and published releases (Contracts Finder's) in as procurements and awards.

Out: one compiled-style release per procurement, tagged by the stage it has reached, and one per
contract let without a procurement here. Bids never appear: they are commercial in confidence, so a
tender gives only how many were received, and an award carries the value of the signed contract (none
before). Procurements imported from another publisher keep that publisher's ocid and are left out:
they are that publisher's to publish. Each ocid is ``<OCDS_PREFIX>-<partnership slug>-<reference>``;
the default prefix ``ocds-jcp000`` is a placeholder that a publisher replaces with the prefix the
Open Contracting Partnership registers for it (the ``OCDS_PREFIX`` setting).

In: a release package, a JSON array of releases or a single release. Releases of one ocid are
applied oldest first, so the latest release's facts win; an ocid seen before updates its procurement
rather than adding another. Buyers and suppliers are found among the organisations already held (by
org-id where the scheme is one we record, else by name) or added, their kind guessed from the name:
"Integrated Care Board"/"ICB" an ICB, "Clinical Commissioning Group"/"CCG" a CCG, anything else
with "NHS" an NHS trust, any other buyer a local authority (the public body whose procurement law,
the light-touch regime, a non-NHS buyer follows); a supplier is voluntary-sector when its party says
so or its name or identifier marks a charity or community interest company, else private. Health and
social care services (CPV 85…) are "health care" (the Provider Selection Regime) for an NHS buyer and
"light touch" for any other; otherwise the category is the release's ``mainProcurementCategory``.
Every problem is reported at once with the release's position (row = index + 1) and the JSON path
of the field at fault; nothing is written unless every release is sound.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from commissioning.contracts.models import Contract, ContractStatus
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.market import routes
from commissioning.market.models import (
    Bid,
    BidStatus,
    Procurement,
    ProcurementCategory,
    ProcurementStatus,
    ServiceType,
    Stage,
)
from commissioning.market.rules import NoRouteError
from commissioning.partners import identifiers
from commissioning.partners.models import IDENTIFIER_RULES, Organisation, Partnership, PartnershipMember
from commissioning.partners.permissions import require_permission

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "ocds-1.1"
DEFAULT_PREFIX = "ocds-jcp000"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CONTRACTS_FINDER_PREFIX = "ocds-b5fd17"
MAX_MONEY = Decimal("999999999999.99")

# How each route the rules engine gives is described in OCDS's closed ``method`` codelist.
METHODS = {
    "competitive_process": "open",
    "competitive_tender": "open",
    "full_tender": "open",
    "light_touch_tender": "open",
    "quotations": "limited",
    "below_threshold": "limited",
    "most_suitable_provider": "direct",
    "direct_award_a": "direct",
    "direct_award_b": "direct",
    "direct_award_c": "direct",
}
AWARD_ROUTE_METHODS = {
    "tender": "open",
    "quote": "limited",
    "direct_award": "direct",
    "framework": "selective",
}
CONTRACT_STATUSES = {
    ContractStatus.DRAFT: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.ENDED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}
EARLY_STAGES = {Stage.NEED_CONFIRMED, Stage.MARKET_ENGAGEMENT}
AWARD_STAGES = {Stage.AWARD, Stage.STANDSTILL}


def ocds_prefix() -> str:
    return str(getattr(settings, "OCDS_PREFIX", "") or DEFAULT_PREFIX)


def ocid_for(partnership: Partnership, reference: str) -> str:
    """The partnership's ocid for a procurement or contract reference (spaces become hyphens)."""
    local = re.sub(r"\s+", "-", reference.strip())
    return f"{ocds_prefix()}-{partnership.slug}-{local}"


# Out ---------------------------------------------------------------------------------------------


def _json_number(amount: Decimal) -> int | float:
    """JSON has no decimal type: whole pounds print as integers, pence as the shortest exact decimal
    (every 14-digit MoneyField value survives the round trip through a binary float's repr)."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(str(amount))


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": _json_number(amount), "currency": "GBP"}


def _moment(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _day_end(day: dt.date) -> str:
    return f"{day.isoformat()}T23:59:59Z"


def _split_org_id(org_id: str) -> tuple[str, str]:
    """``GB-LAE-STH`` → (``GB-LAE``, ``STH``): org-id schemes are two parts and a hyphen."""
    parts = org_id.split("-", 2)
    if len(parts) == 3:
        return f"{parts[0]}-{parts[1]}", parts[2]
    return "", org_id


class _Parties:
    """The release's parties, one entry per organisation however many roles it has."""

    def __init__(self, partnership: Partnership) -> None:
        self.partnership = partnership
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, organisation: Organisation, role: str) -> dict[str, str]:
        org_id = organisation.org_id
        party_id = org_id or f"{ocds_prefix()}-{self.partnership.slug}-org-{organisation.pk}"
        entry = self.entries.get(party_id)
        if entry is None:
            entry = {"id": party_id, "name": organisation.name, "roles": []}
            if org_id:
                scheme, uid = _split_org_id(org_id)
                entry["identifier"] = {"scheme": scheme, "id": uid, "legalName": organisation.name}
            self.entries[party_id] = entry
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return {"id": party_id, "name": organisation.name}

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.entries.values())


def _contract_of(procurement: Procurement) -> Contract | None:
    try:
        return procurement.contract
    except ObjectDoesNotExist:
        return None


def _funding(contract: Contract, parties: _Parties) -> dict[str, Any] | None:
    """``planning.budget`` from the contract's funding rows: who pays, and the total."""
    rows = list(contract.funding.all())
    if not rows:
        return None
    for row in rows:
        parties.add(row.organisation, "funder")
    described = "; ".join(f"{row.organisation.name} £{row.amount:,.2f}" for row in rows)
    total = sum((row.amount for row in rows), Decimal("0"))
    return {"budget": {"description": f"Funded by {described}", "amount": _value(total)}}


def _contract_block(contract: Contract, award_id: str) -> dict[str, Any]:
    return {
        "id": contract.reference,
        "awardID": award_id,
        "title": contract.title,
        "description": contract.description or None,
        "status": CONTRACT_STATUSES.get(ContractStatus(contract.status), "active"),
        "value": _value(contract.lifetime_value),
        "period": {"startDate": _day_start(contract.starts_on), "endDate": _day_end(contract.ends_on)},
    }


def _method(route: str) -> str | None:
    if route in METHODS:
        return METHODS[route]
    text = route.lower()
    if "direct" in text:
        return "direct"
    if "quot" in text or "below" in text:
        return "limited"
    if "framework" in text:
        return "selective"
    if "tender" in text or "competitive" in text:
        return "open"
    return None


def _category(category: str) -> str:
    return category if category in ("goods", "works") else "services"


def _tender_status(procurement: Procurement, contract: Contract | None) -> str:
    if procurement.status == ProcurementStatus.CANCELLED:
        return "cancelled"
    if contract is not None or procurement.status == ProcurementStatus.AWARDED:
        return "complete"
    if procurement.stage in EARLY_STAGES:
        return "planning"
    return "active"


def _tag(procurement: Procurement, contract: Contract | None) -> str:
    if procurement.status == ProcurementStatus.CANCELLED:
        return "tenderCancellation"
    if contract is not None or procurement.stage == Stage.CONTRACT:
        return "contract"
    if procurement.status == ProcurementStatus.AWARDED or procurement.stage in AWARD_STAGES:
        return "award"
    if procurement.stage in EARLY_STAGES:
        return "planning"
    return "tender"


def _tender_period(procurement: Procurement) -> dict[str, str] | None:
    """From the notice's publication to the day bids were due (or received)."""
    days = {m.stage: (m.reached_on or m.planned_on) for m in procurement.milestones.all()}
    period = {}
    notice, bids = days.get(Stage.NOTICE), days.get(Stage.BIDS)
    if notice:
        period["startDate"] = _day_start(notice)
    if bids:
        period["endDate"] = _day_end(bids)
    return period or None


def _procurement_release(procurement: Procurement, partnership: Partnership) -> dict[str, Any]:
    ocid = ocid_for(partnership, procurement.reference)
    contract = _contract_of(procurement)
    parties = _Parties(partnership)
    buyer = parties.add(
        contract.lead_commissioner if contract is not None else procurement.commissioning_body, "buyer"
    )
    moments = [procurement.created_at] + ([contract.created_at] if contract is not None else [])
    date = _moment(max(moments))
    route_name = procurement.rule.route_name if procurement.rule else procurement.route
    tender: dict[str, Any] = {
        "id": procurement.reference,
        "title": procurement.title,
        "description": procurement.description or None,
        "status": _tender_status(procurement, contract),
        "value": _value(procurement.estimated_value),
        "mainProcurementCategory": _category(procurement.category),
        "numberOfTenderers": procurement.tenderers,  # type: ignore[attr-defined]
    }
    method = _method(procurement.route) if procurement.route else None
    if method:
        tender["procurementMethod"] = method
    if route_name:
        tender["procurementMethodDetails"] = route_name
    period = _tender_period(procurement)
    if period:
        tender["tenderPeriod"] = period
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{date}",
        "date": date,
        "tag": [_tag(procurement, contract)],
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "tender": tender,
    }
    awarded = procurement.awarded_bid
    if awarded is not None or contract is not None:
        supplier_org = contract.provider.organisation if contract is not None else awarded.bidder  # type: ignore[union-attr]
        award: dict[str, Any] = {
            "id": f"{ocid}-award-1",
            "title": procurement.title,
            "status": "active",
            "suppliers": [parties.add(supplier_org, "supplier")],
        }
        if procurement.awarded_on:
            award["date"] = _day_start(procurement.awarded_on)
        if contract is not None:
            award["value"] = _value(contract.lifetime_value)
            award["contractPeriod"] = {
                "startDate": _day_start(contract.starts_on),
                "endDate": _day_end(contract.ends_on),
            }
            release["contracts"] = [_contract_block(contract, award["id"])]
            planning = _funding(contract, parties)
            if planning:
                release["planning"] = planning
        release["awards"] = [award]
    release["parties"] = parties.as_list()
    return _without_nulls(release)


def _contract_release(contract: Contract, partnership: Partnership) -> dict[str, Any]:
    """A contract let without a procurement here (a direct award, a call-off, a grant agreement)."""
    ocid = ocid_for(partnership, contract.reference)
    parties = _Parties(partnership)
    buyer = parties.add(contract.lead_commissioner, "buyer")
    supplier = parties.add(contract.provider.organisation, "supplier")
    date = _moment(contract.created_at)
    award_id = f"{ocid}-award-1"
    tender: dict[str, Any] = {
        "id": contract.reference,
        "title": contract.title,
        "status": "complete",
        "procurementMethodDetails": contract.get_award_route_display(),
    }
    method = AWARD_ROUTE_METHODS.get(contract.award_route)
    if method:
        tender["procurementMethod"] = method
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{date}",
        "date": date,
        "tag": ["contract"],
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "tender": tender,
        "awards": [
            {
                "id": award_id,
                "title": contract.title,
                "status": "active",
                "value": _value(contract.lifetime_value),
                "suppliers": [supplier],
                "contractPeriod": {
                    "startDate": _day_start(contract.starts_on),
                    "endDate": _day_end(contract.ends_on),
                },
            }
        ],
        "contracts": [_contract_block(contract, award_id)],
    }
    planning = _funding(contract, parties)
    if planning:
        release["planning"] = planning
    release["parties"] = parties.as_list()
    return _without_nulls(release)


def _without_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_nulls(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_without_nulls(value) for value in data]
    return data


def _publisher(partnership: Partnership) -> dict[str, Any]:
    """The partnership, identified by its host organisation's org-id where it has one."""
    host = (
        PartnershipMember.objects.filter(partnership=partnership, role=PartnershipMember.Role.HOST)
        .select_related("organisation")
        .first()
    )
    publisher: dict[str, Any] = {"name": partnership.name}
    if host is not None and host.organisation.org_id:
        publisher["scheme"], publisher["uid"] = _split_org_id(host.organisation.org_id)
    return publisher


def published_procurements(partnership: Partnership) -> Any:
    """The partnership's own procurements, with what a release needs, in one query and prefetches.

    Those imported from another publisher (their ocid is not ours) are that publisher's to publish.
    """
    own_prefix = f"{ocds_prefix()}-{partnership.slug}-"
    return (
        Procurement.objects.filter(partnership=partnership)
        .filter(Q(ocds_id="") | Q(ocds_id__startswith=own_prefix))
        .select_related(
            "commissioning_body",
            "rule",
            "awarded_bid__bidder",
            "contract__provider__organisation",
            "contract__lead_commissioner",
        )
        .prefetch_related("milestones", "contract__funding__organisation")
        .annotate(tenderers=Count("bids", filter=~Q(bids__status=BidStatus.WITHDRAWN)))
        .order_by("reference")
    )


def release_package(*, partnership: Partnership, base_url: str, published_at: dt.datetime) -> dict[str, Any]:
    """The partnership's OCDS 1.1 release package: a release per procurement and per other contract.

    ``base_url`` is the site's address (``https://example.org``), for the package's own URI.
    """
    base = base_url.rstrip("/")
    releases = [_procurement_release(p, partnership) for p in published_procurements(partnership)]
    contracts = (
        Contract.objects.filter(partnership=partnership, procurement__isnull=True)
        .select_related("provider__organisation", "lead_commissioner")
        .prefetch_related("funding__organisation")
        .order_by("reference")
    )
    releases += [_contract_release(c, partnership) for c in contracts]
    return {
        "uri": f"{base}/public/{partnership.slug}/open-data/ocds.json",
        "version": "1.1",
        "publishedDate": _moment(published_at),
        "publisher": _publisher(partnership),
        "license": OGL,
        "publicationPolicy": f"{base}/public/{partnership.slug}/open-data/",
        "releases": releases,
    }


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _formats() -> FormatChecker:
    """Date-times and URIs checked without optional packages, so validation never passes them by."""
    checker = FormatChecker()

    @checker.checks("date-time")
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(RFC3339.match(value)) and _parse_moment(value) is not None

    @checker.checks("uri")
    def uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path)

    return checker


@cache
def _validator() -> Draft4Validator:
    """The package schema with the release schema it references, resolved from disk, not the web."""
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resources(
        [
            (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
            for schema in (package, release)
        ]
    )
    return Draft4Validator(package, registry=registry, format_checker=_formats())


def validate_release_package(package: Mapping[str, Any]) -> list[str]:
    """Every way the package breaks the OCDS 1.1 schema, as ``path: message``; empty when valid."""
    errors = sorted(_validator().iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_path(error.absolute_path) or '(package)'}: {error.message}" for error in errors]


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def package_json(package: Mapping[str, Any]) -> str:
    return json.dumps(package, indent=2, ensure_ascii=False)


# In ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import of releases did."""

    releases: int
    procurements_created: int
    procurements_updated: int
    awards: int
    bids_created: int
    organisations_created: int

    def __str__(self) -> str:
        return (
            f"{self.releases} releases: {self.procurements_created} procurements added, "
            f"{self.procurements_updated} updated, {self.awards} awarded, "
            f"{self.organisations_created} organisations added"
        )


@dataclass(frozen=True)
class _Org:
    """An organisation as a release names it."""

    name: str
    scheme: str = ""
    identifier: str = ""
    vcse: bool = False

    @property
    def key(self) -> str:
        return self.name.strip().lower()


@dataclass
class _Award:
    award_id: str
    day: dt.date | None
    amount: Decimal | None
    suppliers: list[_Org]


@dataclass
class _Process:
    """The latest state of one contracting process, built from its releases oldest first."""

    ocid: str
    row: int
    first_date: dt.datetime
    tags: list[str] = field(default_factory=list)
    tender_id: str = ""
    title: str = ""
    description: str = ""
    amount: Decimal | None = None
    main_category: str = ""
    cpv: str = ""
    tender_status: str = ""
    method_details: str = ""
    tender_start: dt.date | None = None
    contract_months: int | None = None
    buyer: _Org | None = None
    awards: dict[str, _Award] = field(default_factory=dict)


def _parse_moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _releases_in(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("releases"), list):
            return list(data["releases"])
        if "ocid" in data:
            return [data]
    return None


class _Reader:
    """Checks releases one by one, collecting every problem with its JSON path."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def problem(self, row: int, path: str, reason: str) -> None:
        self.errors.append(RowError(row=row, column=path, reason=reason))

    def amount(self, row: int, path: str, value: Any) -> Decimal | None:
        """A value block's amount in pounds, refusing other currencies, negatives and fractions of a penny."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(row, path, "a value is an object with an amount and a currency")
            return None
        amount, currency = value.get("amount"), value.get("currency")
        if amount is None:
            return None
        if currency != "GBP":
            self.problem(
                row, f"{path}.currency", f"only pounds sterling (GBP) can be imported, not {currency!r}"
            )
            return None
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
            self.problem(row, f"{path}.amount", f"{amount!r} is not a number")
            return None
        amount = Decimal(amount)
        if not amount.is_finite() or amount < 0:
            self.problem(row, f"{path}.amount", f"{amount} is not a sum of money of zero or more")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.problem(row, f"{path}.amount", f"{amount} has fractions of a penny")
            return None
        if amount > MAX_MONEY:
            self.problem(row, f"{path}.amount", f"£{amount:,.2f} is too large to hold")
            return None
        return amount

    def org(self, row: int, path: str, ref: Any, parties: Mapping[str, Any]) -> _Org | None:
        if not isinstance(ref, dict):
            self.problem(row, path, "an organisation reference is an object with an id and a name")
            return None
        party = parties.get(str(ref.get("id", ""))) or {}
        name = ref.get("name") or party.get("name") or (party.get("identifier") or {}).get("legalName")
        if not isinstance(name, str) or not name.strip():
            self.problem(row, f"{path}.name", "the organisation has no name")
            return None
        identifier = party.get("identifier") or {}
        details = party.get("details") or {}
        return _Org(
            name=name.strip()[:200],
            scheme=str(identifier.get("scheme") or ""),
            identifier=str(identifier.get("id") or ""),
            vcse=details.get("vcse") is True,
        )

    def release(self, index: int, release: Any) -> tuple[str, dt.datetime, dict[str, Any]] | None:
        row, here = index + 1, f"releases[{index}]"
        if not isinstance(release, dict):
            self.problem(row, here, "a release is a JSON object")
            return None
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip():
            self.problem(row, f"{here}.ocid", "every release needs its ocid")
            ocid = ""
        moment = _parse_moment(release.get("date"))
        if moment is None:
            self.problem(row, f"{here}.date", f"{release.get('date')!r} is not a date and time (ISO 8601)")
        if not ocid or moment is None:
            return None
        return ocid.strip(), moment, release

    def apply(self, process: _Process, index: int, release: dict[str, Any]) -> None:
        """Lay one release over the process's state: what it gives replaces what came before."""
        row, here = index + 1, f"releases[{index}]"
        process.tags = [str(t) for t in release.get("tag") or []]
        parties = {str(p.get("id")): p for p in release.get("parties") or [] if isinstance(p, dict)}
        tender = release.get("tender") or {}
        if not isinstance(tender, dict):
            self.problem(row, f"{here}.tender", "the tender is a JSON object")
            tender = {}
        if tender.get("id") is not None:
            process.tender_id = str(tender["id"]).strip()
        if isinstance(tender.get("title"), str) and tender["title"].strip():
            process.title = " ".join(tender["title"].split())
        if isinstance(tender.get("description"), str) and tender["description"].strip():
            process.description = tender["description"].strip()
        if "value" in tender:
            amount = self.amount(row, f"{here}.tender.value", tender["value"])
            if amount is not None:
                process.amount = amount
        if tender.get("mainProcurementCategory"):
            process.main_category = str(tender["mainProcurementCategory"])
        classification = tender.get("classification") or {}
        if isinstance(classification, dict) and classification.get("id"):
            process.cpv = str(classification["id"])
        if tender.get("status"):
            process.tender_status = str(tender["status"])
        if tender.get("procurementMethodDetails"):
            process.method_details = str(tender["procurementMethodDetails"]).strip()
        start = _parse_moment((tender.get("tenderPeriod") or {}).get("startDate"))
        if start:
            process.tender_start = start.date()
        contract_period = tender.get("contractPeriod") or {}
        begins = _parse_moment(contract_period.get("startDate"))
        ends = _parse_moment(contract_period.get("endDate"))
        if begins and ends and ends > begins:
            months = round((ends - begins).days / 30.44)
            process.contract_months = min(max(months, 1), 600)
        if "buyer" in release:
            process.buyer = self.org(row, f"{here}.buyer", release["buyer"], parties)
        for position, award in enumerate(release.get("awards") or []):
            self._award(process, row, f"{here}.awards[{position}]", award, parties)

    def _award(self, process: _Process, row: int, here: str, award: Any, parties: Mapping[str, Any]) -> None:
        if not isinstance(award, dict):
            self.problem(row, here, "an award is a JSON object")
            return
        if award.get("status") in ("cancelled", "unsuccessful"):
            process.awards.pop(str(award.get("id")), None)
            return
        day = None
        if award.get("date") is not None:
            moment = _parse_moment(award["date"])
            if moment is None:
                self.problem(row, f"{here}.date", f"{award['date']!r} is not a date and time (ISO 8601)")
            else:
                day = moment.date()
        amount = self.amount(row, f"{here}.value", award.get("value"))
        suppliers = []
        for position, ref in enumerate(award.get("suppliers") or []):
            org = self.org(row, f"{here}.suppliers[{position}]", ref, parties)
            if org is not None:
                suppliers.append(org)
        if not suppliers:
            self.problem(row, f"{here}.suppliers", "an award names at least one supplier")
            return
        award_id = str(award.get("id") or f"{process.ocid}-{len(process.awards) + 1}")
        process.awards[award_id] = _Award(award_id, day, amount, suppliers)


NHS_NAME = re.compile(r"\bNHS\b|integrated care board|\bICB\b|clinical commissioning group|\bCCG\b", re.I)
VCSE_NAME = re.compile(r"\bcharit|\bCIC\b|community interest company|\bvoluntary\b", re.I)
SERVICE_WORDS: tuple[tuple[str, str], ...] = (
    (r"domiciliary|home ?care|care at home|homecare", ServiceType.HOME_CARE),
    (r"supported living", ServiceType.SUPPORTED_LIVING),
    (r"reablement|intermediate care", ServiceType.REABLEMENT),
    (r"nursing", ServiceType.NURSING),
    (r"residential|care home", ServiceType.RESIDENTIAL),
    (r"day opportunit|day service|day care", ServiceType.DAY_OPPORTUNITIES),
    (r"short break|respite", ServiceType.SHORT_BREAKS),
    (r"mental health", ServiceType.MENTAL_HEALTH),
    (r"substance|drug|alcohol", ServiceType.SUBSTANCE_MISUSE),
    (r"advocacy", ServiceType.ADVOCACY),
    (r"\bcarers?\b", ServiceType.CARERS),
    (r"equipment|adaptation", ServiceType.EQUIPMENT),
    (r"community health", ServiceType.COMMUNITY_HEALTH),
    (r"wellbeing|prevention", ServiceType.PREVENTION),
)
# The org-id schemes whose identifiers we keep on an organisation, and the field each fills.
SCHEME_FIELDS = {
    "GB-COH": "companies_house_number",
    "GB-CHC": "charity_number",
    "GB-NHS": "ods_code",
    "GB-LAE": "la_code",
}


NHS_KINDS = {Organisation.Kind.ICB, Organisation.Kind.CCG, Organisation.Kind.PCT, Organisation.Kind.NHS_TRUST}


def _is_nhs(org: _Org, found: Organisation | None) -> bool:
    """Whether the buyer is an NHS body: by the kind we hold for it, else by its name or identifier."""
    if found is not None:
        return found.kind in NHS_KINDS
    return org.scheme == "GB-NHS" or bool(NHS_NAME.search(org.name))


def _buyer_kind(org: _Org) -> str:
    name = org.name.lower()
    if "integrated care board" in name or re.search(r"\bicb\b", name):
        return Organisation.Kind.ICB
    if "clinical commissioning group" in name or re.search(r"\bccg\b", name):
        return Organisation.Kind.CCG
    if org.scheme == "GB-NHS" or NHS_NAME.search(org.name):
        return Organisation.Kind.NHS_TRUST
    return Organisation.Kind.LOCAL_AUTHORITY


def _supplier_kind(org: _Org) -> str:
    if org.scheme == "GB-NHS" or NHS_NAME.search(org.name):
        return Organisation.Kind.NHS_TRUST
    if org.vcse or org.scheme == "GB-CHC" or VCSE_NAME.search(org.name):
        return Organisation.Kind.VCSE
    return Organisation.Kind.PRIVATE_PROVIDER


def _service_type(text: str) -> str:
    for pattern, service_type in SERVICE_WORDS:
        if re.search(pattern, text, re.I):
            return service_type
    return ServiceType.OTHER


def _procurement_category(process: _Process, nhs_buyer: bool) -> str:
    if process.cpv.startswith("85"):
        return ProcurementCategory.HEALTH_CARE if nhs_buyer else ProcurementCategory.LIGHT_TOUCH
    if process.main_category in ("goods", "works"):
        return process.main_category
    return ProcurementCategory.SERVICES


def _stage_and_status(process: _Process) -> tuple[str, str]:
    if process.tender_status in ("cancelled", "withdrawn", "unsuccessful") or any(
        "Cancellation" in tag for tag in process.tags
    ):
        return Stage.NOTICE, ProcurementStatus.CANCELLED
    if process.awards:
        return Stage.AWARD, ProcurementStatus.AWARDED
    if any(tag.startswith("tender") for tag in process.tags):
        return Stage.NOTICE, ProcurementStatus.ACTIVE
    return Stage.MARKET_ENGAGEMENT, ProcurementStatus.ACTIVE


def _reference(ocid: str, tender_id: str) -> str:
    """The ocid without its publisher's prefix (``ocds-xxxxxx-``), or the tender's id if that is too long."""
    local = re.sub(r"^ocds-[a-z0-9]{6}-", "", ocid)
    if len(local) <= 40:
        return local
    if tender_id and len(tender_id) <= 40:
        return tender_id
    return local[-40:]


def _well_formed(field_name: str, code: str) -> bool:
    if field_name == "la_code":
        return bool(re.fullmatch(r"[A-Z]{3,4}", code))
    return IDENTIFIER_RULES[field_name](code) is None


class _Organisations:
    """Finds the organisations the releases name, in a few queries, and adds the missing ones."""

    def __init__(self, orgs: Iterable[_Org]) -> None:
        wanted = list(orgs)
        self.by_key: dict[str, Organisation] = {}
        self.created: list[Organisation] = []
        lookups = Q()
        for scheme, field_name in SCHEME_FIELDS.items():
            codes = {o.identifier.upper() for o in wanted if o.scheme == scheme and o.identifier}
            if codes:
                lookups |= Q(**{f"{field_name}__in": codes})
        names = {o.key for o in wanted}
        found = Organisation.objects.annotate(lower_name=Lower("name")).filter(
            lookups | Q(lower_name__in=names)
        )
        by_code = {}
        for organisation in found:
            self.by_key.setdefault(organisation.lower_name, organisation)
            if organisation.org_id:
                by_code[organisation.org_id.upper()] = organisation
        for org in wanted:
            code = f"{org.scheme}-{org.identifier}".upper()
            if org.scheme in SCHEME_FIELDS and code in by_code:
                self.by_key[org.key] = by_code[code]

    def existing(self, org: _Org) -> Organisation | None:
        return self.by_key.get(org.key)

    def get(self, org: _Org, kind: str) -> Organisation:
        organisation = self.by_key.get(org.key)
        if organisation is None:
            extra = {}
            field_name = SCHEME_FIELDS.get(org.scheme)
            code = identifiers.normalise(org.identifier)
            if field_name and code and _well_formed(field_name, code):
                extra[field_name] = code
            organisation = Organisation.objects.create(name=org.name, kind=kind, **extra)
            self.by_key[org.key] = organisation
            self.created.append(organisation)
        return organisation


def _source(package: Any, ocid: str) -> str:
    if ocid.startswith(CONTRACTS_FINDER_PREFIX):
        return "Contracts Finder"
    publisher = package.get("publisher") if isinstance(package, dict) else None
    name = publisher.get("name") if isinstance(publisher, dict) else None
    return str(name) if name else "an OCDS publication"


def _read(path: Path) -> tuple[Any, list[Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailed([RowError(1, "(file)", f"the file cannot be read: {error}")]) from None
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [RowError(1, "(file)", f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}")]
        ) from None
    releases = _releases_in(data)
    if releases is None:
        raise ImportFailed(
            [RowError(1, "(file)", "expected a release package, a list of releases or one release")]
        )
    if not releases:
        raise ImportFailed([RowError(1, "releases", "the file holds no releases")])
    return data, releases


def _processes(releases: Sequence[Any], reader: _Reader) -> list[_Process]:
    checked = [(i, reader.release(i, r)) for i, r in enumerate(releases)]
    by_ocid: dict[str, list[tuple[dt.datetime, int, dict[str, Any]]]] = {}
    for index, parsed in checked:
        if parsed is not None:
            ocid, moment, release = parsed
            by_ocid.setdefault(ocid, []).append((moment, index, release))
    processes = []
    for ocid, items in by_ocid.items():
        items.sort(key=lambda item: (item[0], item[1]))
        process = _Process(ocid=ocid, row=items[-1][1] + 1, first_date=items[0][0])
        for _, index, release in items:
            reader.apply(process, index, release)
        here = f"releases[{process.row - 1}]"
        if not process.title:
            reader.problem(process.row, f"{here}.tender.title", "the process has no title")
        if process.buyer is None:
            reader.problem(process.row, f"{here}.buyer", "the process names no buyer")
        processes.append(process)
    return processes


def _check_references(
    processes: Sequence[_Process], partnership: Partnership, reader: _Reader
) -> dict[str, Procurement]:
    """Each process's procurement (if imported before), refusing references another process holds."""
    ocids = [p.ocid for p in processes]
    existing = {p.ocds_id: p for p in Procurement.objects.filter(partnership=partnership, ocds_id__in=ocids)}
    references = {_reference(p.ocid, p.tender_id): p for p in processes}
    if len(references) != len(processes):
        seen: dict[str, str] = {}
        for process in processes:
            reference = _reference(process.ocid, process.tender_id)
            if reference in seen:
                reader.problem(
                    process.row,
                    f"releases[{process.row - 1}].ocid",
                    f"gives the reference {reference}, as {seen[reference]} does",
                )
            seen.setdefault(reference, process.ocid)
    holders = Procurement.objects.filter(partnership=partnership, reference__in=list(references)).exclude(
        ocds_id__in=ocids
    )
    for holder in holders:
        process = references[holder.reference]
        reader.problem(
            process.row,
            f"releases[{process.row - 1}].ocid",
            f"the reference {holder.reference} is already used by the procurement “{holder.title}”",
        )
    return existing


def _route(procurement: Procurement, *, source: str, published: str) -> None:
    """The route our rules give, if one applies; else the route as published, for the record."""
    try:
        decision = routes.route_for(partnership=procurement.partnership, facts=routes.facts_for(procurement))
    except (NoRouteError, ValueError):  # no rule applies, or the buyer is not a public body we know
        decision = None
    if decision is None:
        procurement.rule = None
        procurement.route = ""
        procurement.timeline = []
        published = published or "not stated"
        procurement.route_explanation = f"Imported from {source}; route as published: {published}"
        return
    procurement.rule_id = decision.rule_id
    procurement.route = decision.route
    procurement.route_explanation = "\n".join(decision.explanation)
    procurement.timeline = decision.timeline_json()


@transaction.atomic
def import_releases(*, actor: User, partnership: Partnership, path: str | Path) -> ImportResult:
    """Import OCDS releases as procurements (one per ocid) with their awards and the suppliers' bids.

    Every release is checked first; any problem stops the whole import (``ImportFailed``).
    """
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=partnership)
    package, releases = _read(Path(path))
    reader = _Reader()
    processes = _processes(releases, reader)
    existing = _check_references(processes, partnership, reader)
    if reader.errors:
        raise ImportFailed(sorted(reader.errors, key=lambda e: (e.row, e.column)))

    auditor = Auditor(actor, partnership_id=partnership.pk)
    wanted = [p.buyer for p in processes if p.buyer] + [
        s for p in processes for a in p.awards.values() for s in a.suppliers
    ]
    organisations = _Organisations(wanted)
    created = updated = awarded = bids_created = 0
    bids_held = {
        (bid.procurement_id, bid.bidder_id): bid
        for bid in Bid.objects.filter(procurement__in=list(existing.values()))
    }
    for process in processes:
        assert process.buyer is not None
        nhs = _is_nhs(process.buyer, organisations.existing(process.buyer))
        buyer = organisations.get(process.buyer, _buyer_kind(process.buyer))
        procurement = existing.get(process.ocid)
        before = snapshot(procurement) if procurement is not None else None
        if procurement is None:
            procurement = Procurement(partnership=partnership, ocds_id=process.ocid, created_by=actor)
        stage, status = _stage_and_status(process)
        latest = max(process.awards.values(), key=lambda a: a.day or dt.date.min, default=None)
        amounts = [a.amount for a in process.awards.values() if a.amount is not None]
        procurement.reference = _reference(process.ocid, process.tender_id)
        procurement.title = process.title[:200]
        procurement.description = process.description
        procurement.commissioning_body = buyer
        procurement.category = _procurement_category(process, nhs)
        procurement.service_type = _service_type(f"{process.title} {process.description[:500]}")
        procurement.estimated_value = (
            process.amount if process.amount is not None else max(amounts, default=Decimal("0"))
        )
        procurement.contract_months = process.contract_months or procurement.contract_months or 36
        procurement.starts_on = process.tender_start or process.first_date.date()
        procurement.stage, procurement.status = stage, status
        _route(procurement, source=_source(package, process.ocid), published=process.method_details)
        if latest is not None:
            procurement.awarded_on = latest.day or process.first_date.date()
        procurement.save()
        if latest is not None:
            awarded += 1
            first_bid = None
            for award in sorted(process.awards.values(), key=lambda a: (a.day or dt.date.min, a.award_id)):
                for supplier in award.suppliers:
                    bidder = organisations.get(supplier, _supplier_kind(supplier))
                    bid = bids_held.get((procurement.pk, bidder.pk))
                    shared = len({s.key for s in award.suppliers}) > 1
                    note = (
                        f"Award {award.award_id} to {len(award.suppliers)} suppliers, published with a "
                        "combined value."
                        if shared
                        else f"Award {award.award_id} as published."
                    )
                    if bid is None:
                        bid = Bid.objects.create(
                            procurement=procurement,
                            bidder=bidder,
                            received_on=award.day or procurement.awarded_on or process.first_date.date(),
                            price=award.amount or Decimal("0"),
                            status=BidStatus.COMPLIANT,
                            notes=note,
                        )
                        bids_held[(procurement.pk, bidder.pk)] = bid
                        auditor.created(bid, summary=f"Imported award to {bidder.name}")
                        bids_created += 1
                    elif award is latest and bid.price != (award.amount or Decimal("0")):
                        bid_before = snapshot(bid)
                        bid.price = award.amount or Decimal("0")
                        bid.notes = note
                        bid.save(update_fields=["price", "notes"])
                        auditor.updated(bid, bid_before, summary=f"Award to {bidder.name} restated")
                    if award is latest and first_bid is None:
                        first_bid = bid
            procurement.awarded_bid = first_bid
            procurement.save(update_fields=["awarded_bid"])
        if before is None:
            created += 1
            auditor.created(procurement, summary=f"Imported {process.ocid}")
            continue
        updated += 1
        if snapshot(procurement) != before:
            procurement.version += 1
            procurement.save(update_fields=["version"])
            auditor.updated(procurement, before, summary=f"Re-imported {process.ocid}")
    return ImportResult(
        releases=len(releases),
        procurements_created=created,
        procurements_updated=updated,
        awards=awarded,
        bids_created=bids_created,
        organisations_created=len(organisations.created),
    )
