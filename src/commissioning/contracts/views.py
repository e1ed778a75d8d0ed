"""Contract register pages: thin views that read through selectors, write through services, and render.

A refused write comes back to the form it was made from, in the NHS.UK error summary, with the
user's input kept and nothing saved; a refusal about one funding share links to that row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from commissioning.contracts import charts, selectors, services
from commissioning.contracts.forms import (
    AwardForm,
    ContractForm,
    ContractsForm,
    EndForm,
    ExtendForm,
    KpiForm,
    OutcomeForm,
    RegisterFilterForm,
    funding_formset,
    funding_of,
    put_back,
)
from commissioning.contracts.imports import import_contracts
from commissioning.contracts.ocds import import_releases
from commissioning.contracts.upload_views import Upload, upload_page
from commissioning.core.dates import long_date
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "contracts"}
REGISTER_HEADERS = (
    "Reference",
    "Title",
    "Provider",
    "Latest rating",
    "Lead commissioner",
    "Funders",
    "Care group",
    "Service type",
    "Payment basis",
    "Starts on",
    "Ends on",
    "Extension (months)",
    "Value per year (£)",
    "Value over the term (£)",
    "KPIs",
    "Status",
)
PIPELINE_HEADERS = (
    "Band",
    "Reference",
    "Title",
    "Provider",
    "Lead commissioner",
    "Ends on",
    "Extension available to",
    "Value over the term (£)",
    "Category",
    "Route",
    "Minimum lead time (days)",
    "Procurement must start by",
    "Late",
)


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _filters(request: HttpRequest, partnership: Any) -> tuple[RegisterFilterForm, selectors.RegisterFilters]:
    form = RegisterFilterForm(
        request.GET or None,
        care_groups=selectors.care_groups_of(partnership),
        providers=selectors.providers_of(partnership),
        partners=selectors.commissioners_of(partnership),
    )
    if not form.is_bound or not form.is_valid():
        return form, selectors.RegisterFilters()
    data = form.cleaned_data
    return form, selectors.RegisterFilters(
        care_group_id=data["care_group"].pk if data.get("care_group") else None,
        service_type=data.get("service_type") or "",
        provider_id=data["provider"].pk if data.get("provider") else None,
        partner_id=data["partner"].pk if data.get("partner") else None,
        status=data.get("status") or "",
        ending_within_months=int(data["ending"]) if data.get("ending") else None,
        text=data.get("q") or "",
    )


def _register_row(contract: Any) -> tuple[Any, ...]:
    return (
        contract.reference,
        contract.title,
        contract.provider.organisation.name,
        selectors.RATING_LABELS.get(contract.latest_rating or "", ""),
        contract.lead_commissioner.name,
        "; ".join(f"{row.organisation.name} £{row.amount:,.2f}" for row in contract.funding.all()),
        contract.care_group.name if contract.care_group else "",
        contract.get_service_type_display(),
        contract.get_payment_basis_display(),
        contract.starts_on,
        contract.ends_on,
        contract.extension_months,
        contract.annual_value,
        contract.lifetime_value,
        contract.kpi_count,
        contract.get_status_display(),
    )


@partnership_view(Permission.VIEW_CONTRACTS)
def register(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form, filters = _filters(request, partnership)
    fmt = _export_format(request)
    if fmt:
        rows = (_register_row(c) for c in selectors.register_rows(partnership, request.user, filters))
        return table_response(
            filename=f"{partnership.slug}-contracts", headers=REGISTER_HEADERS, rows=rows, fmt=fmt
        )
    page = selectors.contract_register(
        partnership=partnership, user=request.user, filters=filters, page=request.GET.get("page")
    )
    return render(request, "contracts/contract_register.html", {"form": form, "register": page, **NAV})


def _funding_page(request: HttpRequest, template_context: dict[str, Any]) -> HttpResponse:
    posted = request.method == "POST"
    return render(
        request,
        "contracts/contract_form.html",
        {**template_context, **NAV},
        status=400 if posted else 200,
    )


def _save(
    request: HttpRequest, form: Any, formset: Any, write: Callable[[dict[str, Any], list[Any]], Any]
) -> Any:
    """Call the service with the form and the funding rows; a refusal goes back onto both."""
    if request.method != "POST":
        return None
    valid = form.is_valid()
    valid = (formset.is_valid() if formset is not None else True) and valid
    if not valid:
        return None
    try:
        return write(dict(form.cleaned_data), funding_of(formset) if formset is not None else [])
    except ValidationError as error:
        put_back(error, form, formset)
        return None


def _funding_forms(request: HttpRequest, partnership: Any, initial: Any = None) -> Any:
    return funding_formset(
        request.POST or None,
        partners=selectors.commissioners_of(partnership),
        funds=selectors.funds_of(partnership),
        schemes=selectors.schemes_of(partnership),
        budget_lines=selectors.budget_lines_of(partnership),
        initial=initial,
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ContractForm(
        request.POST or None,
        providers=selectors.providers_of(partnership),
        partners=selectors.commissioners_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
    )
    formset = _funding_forms(request, partnership)
    contract = _save(
        request,
        form,
        formset,
        lambda data, funding: services.register_contract(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            funding=funding,
            **data,
        ),
    )
    if contract is not None:
        messages.success(request, f"Contract {contract.reference} added to the register.")
        return redirect("contracts:detail", partnership.slug, contract.pk)
    return _funding_page(
        request,
        {
            "title": "Add a contract",
            "form": form,
            "formset": formset,
            "cancel_url": reverse("contracts:register", args=[partnership.slug]),
            "submit_label": "Add contract",
        },
    )


@partnership_view(Permission.VIEW_CONTRACTS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = found_or_404(lambda p, k: selectors.contract_detail(partnership=p, pk=k), partnership, pk)
    chart = None
    if page.by_funder:
        chart = {
            "id": "chart-funding",
            "data_id": "chart-funding-data",
            "figure": charts.funding_chart(page.by_funder),
            "label": f"Funding of {page.contract.reference} by partner; the table below gives the figures.",
        }
    return render(request, "contracts/contract_detail.html", {"page": page, "chart": chart, **NAV})


@partnership_view(Permission.MANAGE_CONTRACTS)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    form = ContractForm(
        request.POST or None,
        initial=ContractForm.initial_from(contract),
        providers=selectors.providers_of(partnership),
        partners=selectors.commissioners_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        editing=True,
    )

    def save(data: dict[str, Any]) -> Any:
        data.pop("reference", None)
        version = data.pop("version")
        return services.update_contract(actor=request.user, contract=contract, version=version, **data)  # type: ignore[arg-type]

    saved = submit(request, form, save)
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("contracts:detail", partnership.slug, pk)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "title": f"Change contract {contract.reference}",
            "form": form,
            "cancel_url": reverse("contracts:detail", args=[partnership.slug, pk]),
            "lede": "To change the value over the term, change the funding with it on the funding page.",
            **NAV,
        },
        status=400 if request.method == "POST" else 200,
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def funding(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = found_or_404(lambda p, k: selectors.contract_detail(partnership=p, pk=k), partnership, pk)
    contract = page.contract
    initial = [
        {
            "organisation": row.organisation.pk,
            "amount": row.amount,
            "fund": row.fund.pk if row.fund else None,
            "scheme": row.scheme.pk if row.scheme else None,
            "budget_line": row.budget_line.pk if row.budget_line else None,
        }
        for row in page.funding
    ]
    formset = _funding_forms(request, partnership, initial=initial or None)
    form = ContractsForm(request.POST or None)  # carries refusals that name no one row
    saved = _save(
        request,
        form,
        formset,
        lambda data, shares: services.set_funding(actor=request.user, contract=contract, funding=shares),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, "Funding saved.")
        return redirect("contracts:detail", partnership.slug, pk)
    return _funding_page(
        request,
        {
            "title": f"Funding of {contract.reference}",
            "lede": "Each partner's share; the shares must add to the value over the term, "
            f"£{contract.lifetime_value:,.2f}.",
            "form": form,
            "formset": formset,
            "cancel_url": reverse("contracts:detail", args=[partnership.slug, pk]),
            "submit_label": "Save funding",
        },
    )


def _simple_form_page(request: HttpRequest, title: str, form: Any, cancel: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        "contracts/contract_form.html",
        {"title": title, "form": form, "cancel_url": cancel, **extra, **NAV},
        status=400 if request.method == "POST" else 200,
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def outcome_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    form = OutcomeForm(request.POST or None)
    outcome = submit(
        request,
        form,
        lambda data: services.add_outcome(actor=request.user, contract=contract, **data),  # type: ignore[arg-type]
    )
    if outcome is not None:
        messages.success(request, f"Outcome {outcome.title!r} added.")
        return redirect(reverse("contracts:detail", args=[partnership.slug, pk]) + "#outcomes")
    cancel = reverse("contracts:detail", args=[partnership.slug, pk])
    return _simple_form_page(
        request, f"Add an outcome to {contract.reference}", form, cancel, submit_label="Add outcome"
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def kpi_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    form = KpiForm(request.POST or None, outcomes=selectors.outcomes_of(contract))
    kpi = submit(
        request,
        form,
        lambda data: services.add_kpi(actor=request.user, contract=contract, **data),  # type: ignore[arg-type]
    )
    if kpi is not None:
        messages.success(request, f"KPI {kpi.code} added.")
        return redirect(reverse("contracts:detail", args=[partnership.slug, pk]) + "#kpis")
    cancel = reverse("contracts:detail", args=[partnership.slug, pk])
    return _simple_form_page(
        request, f"Add a KPI to {contract.reference}", form, cancel, submit_label="Add KPI"
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def kpi_edit(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    kpi = found_or_404(selectors.kpi_in, contract, kpi_pk)
    initial = {name: getattr(kpi, name) for name in services.KPI_FIELDS if name != "outcome"}
    initial["target"] = "" if kpi.target is None else f"{kpi.target.normalize():f}"
    initial["outcome"] = kpi.outcome_id
    form = KpiForm(request.POST or None, outcomes=selectors.outcomes_of(contract), initial=initial)
    saved = submit(
        request,
        form,
        lambda data: services.update_kpi(actor=request.user, kpi=kpi, **data),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, f"KPI {saved.code} saved.")
        return redirect(reverse("contracts:detail", args=[partnership.slug, pk]) + "#kpis")
    cancel = reverse("contracts:detail", args=[partnership.slug, pk])
    return _simple_form_page(
        request, f"Change KPI {kpi.code} of {contract.reference}", form, cancel, submit_label="Save KPI"
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    form = ExtendForm(request.POST or None, initial={"months": contract.extension_months or None})
    saved = submit(
        request,
        form,
        lambda data: services.extend_contract(actor=request.user, contract=contract, months=data["months"]),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, f"Contract {saved.reference} extended to {long_date(saved.ends_on)}.")
        return redirect("contracts:detail", partnership.slug, pk)
    cancel = reverse("contracts:detail", args=[partnership.slug, pk])
    lede = (
        f"The contract ends on {long_date(contract.ends_on)} and allows "
        f"{contract.extension_months} more months. "
        "The value over the term grows by the value per year for the months taken, shared as the funding is."
    )
    return _simple_form_page(
        request, f"Extend contract {contract.reference}", form, cancel, lede=lede, submit_label="Extend"
    )


@partnership_view(Permission.MANAGE_CONTRACTS)
def end(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contract = found_or_404(selectors.contract_in, partnership, pk)
    form = EndForm(request.POST or None)
    saved = submit(
        request,
        form,
        lambda data: services.end_contract(
            actor=request.user,  # type: ignore[arg-type]
            contract=contract,
            ended_on=data["ended_on"],
            terminated=data["terminated"],
        ),
    )
    if saved is not None:
        messages.success(request, f"Contract {saved.reference} {saved.get_status_display().lower()}.")
        return redirect("contracts:detail", partnership.slug, pk)
    cancel = reverse("contracts:detail", args=[partnership.slug, pk])
    lede = f"The contract runs from {long_date(contract.starts_on)} to {long_date(contract.ends_on)}."
    return _simple_form_page(
        request,
        f"End contract {contract.reference}",
        form,
        cancel,
        lede=lede,
        submit_label="End the contract",
    )


@partnership_view(Permission.VIEW_CONTRACTS)
def pipeline(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = selectors.expiry_pipeline(partnership=partnership, today=selectors.today())
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                band.label,
                row.contract.reference,
                row.contract.title,
                row.contract.provider.organisation.name,
                row.contract.lead_commissioner.name,
                row.contract.ends_on,
                row.extension_until or "",
                row.contract.lifetime_value,
                row.category,
                row.lead.route_name if row.lead else "No route found",
                row.lead.days if row.lead else "",
                row.start_by or "",
                "Yes" if row.late else "No",
            )
            for band in page.bands
            for row in band.rows
        )
        return table_response(
            filename=f"{partnership.slug}-contracts-expiring", headers=PIPELINE_HEADERS, rows=rows, fmt=fmt
        )
    return render(request, "contracts/pipeline.html", {"pipeline": page, **NAV})


@partnership_view(Permission.MANAGE_CONTRACTS)
def new_from_procurement(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    procurement = found_or_404(selectors.procurement_in, partnership, pk)
    bid = procurement.awarded_bid
    form = AwardForm(
        request.POST or None,
        initial={"lead_commissioner": procurement.commissioning_body_id, "title": procurement.title},
        partners=selectors.commissioners_of(partnership),
    )
    formset = _funding_forms(request, partnership)

    def write(data: dict[str, Any], shares: list[Any]) -> Any:
        return services.register_awarded_contract(
            actor=request.user,  # type: ignore[arg-type]
            procurement=procurement,
            funding=shares,
            **{k: v for k, v in data.items() if v not in (None, "")},
        )

    contract = _save(request, form, formset, write)
    if contract is not None:
        messages.success(
            request, f"Contract {contract.reference} registered from procurement {procurement.reference}."
        )
        return redirect("contracts:detail", partnership.slug, contract.pk)
    lede = f"Procurement {procurement.reference}, {procurement.title}" + (
        f": awarded to {bid.bidder.name} at £{bid.price:,.2f}." if bid else ": not awarded yet."
    )
    return _funding_page(
        request,
        {
            "title": "Register the contract from the award",
            "lede": lede,
            "form": form,
            "formset": formset,
            "cancel_url": reverse("contracts:register", args=[partnership.slug]),
            "submit_label": "Register contract",
        },
    )


@partnership_view(Permission.VIEW_CONTRACTS)
def transparency(request: HttpRequest) -> HttpResponse:
    """The Local Government Transparency Code contract register (contracts over £5,000) as CSV."""
    partnership = request.partnership  # type: ignore[attr-defined]
    return table_response(
        filename=f"{partnership.slug}-contract-register",
        headers=selectors.TRANSPARENCY_HEADERS,
        rows=selectors.transparency_rows(partnership),
        fmt="csv",
    )


def _import_contracts(request: HttpRequest, path: Path, name: str) -> str:
    added = import_contracts(
        actor=request.user,  # type: ignore[arg-type]
        partnership=request.partnership,  # type: ignore[attr-defined]
        path=path,
    )
    return f"Added {len(added):,} contracts from {name} to the register."


CONTRACT_UPLOAD = Upload(
    title="Import contracts",
    caption="Contracts",
    intro=(
        "Every row is checked before anything is saved: providers must be in the provider register, "
        "the end must not come before the start, and the funding must add to the value over the term. "
        "If any row has a problem, nothing is imported and each problem is listed with its row and column."
    ),
    label="Contracts file (CSV or Excel)",
    help_text=(
        "Columns: reference, title, provider, lead_commissioner, start, end, annual_value, "
        "lifetime_value, payment_basis, service_type, and the funding as funder_1, amount_1, "
        "funder_2, amount_2 and so on."
    ),
    suffixes=(".csv", ".xlsx"),
    load=_import_contracts,
    done_url="contracts:register",
)


@partnership_view(Permission.MANAGE_CONTRACTS)
def contract_import(request: HttpRequest) -> HttpResponse:
    return upload_page(request, CONTRACT_UPLOAD)


def _import_ocds(request: HttpRequest, path: Path, name: str) -> str:
    result = import_releases(
        actor=request.user,  # type: ignore[arg-type]
        partnership=request.partnership,  # type: ignore[attr-defined]
        path=path,
    )
    return f"From {name}: {result}."


OCDS_UPLOAD = Upload(
    title="Import procurements and awards from OCDS",
    caption="Procurements",
    intro=(
        "An OCDS release package, or a list of releases as Contracts Finder publishes them. Each process "
        "(ocid) becomes a procurement and each award a bid awarded; importing the same file again changes "
        "nothing. Every release is checked first; a problem is listed with the release and its JSON path."
    ),
    label="OCDS JSON file",
    help_text="A .json file of OCDS 1.1 releases, in pounds sterling.",
    suffixes=(".json",),
    load=_import_ocds,
    done_url="market:procurements",
)


@partnership_view(Permission.MANAGE_PROCUREMENT)
def ocds_import(request: HttpRequest) -> HttpResponse:
    return upload_page(request, OCDS_UPLOAD)
