"""Writes to engagement: validated, atomic, permission-checked and audited.

A response must fit its consultation (who was asked, how, and when), so the "you said" a
theme summarises rests only on what the consultation actually set out to hear.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.engagement.models import Audience, Channel, Consultation, Response, Theme
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import require_permission

CONSULTATION_FIELDS = ("title", "purpose", "audiences", "channels", "opens_on", "closes_on")
THEME_FIELDS = ("title", "you_said", "we_did", "position")
IMPORT_REQUIRED = ("respondent_type", "channel", "received_on", "text")
IMPORT_OPTIONAL = ("themes",)
IMPORT_SUFFIXES = (".csv", ".xlsx")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def _apply(obj: Any, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


def _own(partnership: Partnership, consultation: Consultation) -> None:
    if consultation.partnership_id != partnership.pk:
        raise NotPermitted("That consultation belongs to another partnership.")


def _choices(values: Any, choices: type[Audience] | type[Channel], noun: str) -> tuple[list[str], str]:
    """The chosen values in the choices' own order, or a reason they cannot be used."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        return [], f"Give a list of {noun}."
    chosen = [str(v) for v in values]
    if not chosen:
        return [], f"Choose at least one of the {noun}."
    known = {c.value for c in choices}
    unknown = [v for v in chosen if v not in known]
    if unknown:
        return [], f"{', '.join(repr(v) for v in unknown)} not among the {noun}: {', '.join(sorted(known))}."
    return [c.value for c in choices if c.value in chosen], ""


def _check_consultation(consultation: Consultation) -> None:
    """Field-keyed problems: the model's own rules, then who is asked, how and when."""
    errors: dict[str, list[str]] = {}
    try:
        validate(consultation)
    except ValidationError as error:
        errors.update(error.message_dict)
    consultation.audiences, problem = _choices(consultation.audiences, Audience, "audiences")
    if problem:
        errors["audiences"] = [problem]
    consultation.channels, problem = _choices(consultation.channels, Channel, "channels")
    if problem:
        errors["channels"] = [problem]
    opens, closes = consultation.opens_on, consultation.closes_on
    if isinstance(opens, dt.date) and isinstance(closes, dt.date) and closes < opens:
        errors["closes_on"] = ["The consultation cannot close before it opens."]
    if errors:
        raise ValidationError(errors)


def _check_responses_still_fit(consultation: Consultation) -> None:
    """Narrowing a consultation must not strand responses it already holds."""
    responses = consultation.responses.all()
    errors: dict[str, str] = {}
    stranded = sorted(
        set(
            responses.exclude(respondent_type__in=consultation.audiences).values_list(
                "respondent_type", flat=True
            )
        )
    )
    if stranded:
        labels = ", ".join(Audience(v).label.lower() for v in stranded)
        errors["audiences"] = (
            f"Responses have already been received from {labels}; keep them among the audiences."
        )
    stranded = sorted(
        set(responses.exclude(channel__in=consultation.channels).values_list("channel", flat=True))
    )
    if stranded:
        labels = ", ".join(Channel(v).label.lower() for v in stranded)
        errors["channels"] = (
            f"Responses have already been received by {labels}; keep them among the channels."
        )
    earliest = responses.order_by("received_on").values_list("received_on", flat=True).first()
    if earliest is not None and earliest < consultation.opens_on:
        errors["opens_on"] = f"A response was received on {earliest:%d/%m/%Y}, before this opening date."
    if errors:
        raise ValidationError(errors)


# Consultations ---------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    purpose: str,
    audiences: Sequence[str],
    channels: Sequence[str],
    opens_on: dt.date,
    closes_on: dt.date,
) -> Consultation:
    """Open a consultation: what it asks, of whom, how, and between which dates."""
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    consultation = Consultation(
        partnership=partnership,
        title=title.strip(),
        purpose=purpose.strip(),
        audiences=list(audiences),
        channels=list(channels),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor,
    )
    _check_consultation(consultation)
    consultation.save()
    Auditor(actor, partnership_id=partnership.pk).created(consultation)
    return consultation


@transaction.atomic
def consultation_update(
    *, actor: User, partnership: Partnership, consultation: Consultation, **changes: Any
) -> Consultation:
    """Change what a consultation asks; responses already held must still fit it."""
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, consultation)
    before = snapshot(consultation)
    _apply(consultation, changes, CONSULTATION_FIELDS)
    _check_consultation(consultation)
    _check_responses_still_fit(consultation)
    consultation.save()
    Auditor(actor, partnership_id=partnership.pk).updated(consultation, before)
    return consultation


@transaction.atomic
def consultation_publish(
    *, actor: User, partnership: Partnership, consultation: Consultation, published: bool = True
) -> Consultation:
    """Show (or withdraw) the consultation's "you said, we did" on the public page."""
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, consultation)
    if consultation.is_published == published:
        return consultation
    before = snapshot(consultation)
    consultation.is_published = published
    consultation.save(update_fields=["is_published"])
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.STATE,
        consultation,
        before=before,
        after=snapshot(consultation),
        summary="Published 'you said, we did'"
        if published
        else "Withdrew 'you said, we did' from publication",
    )
    return consultation


# Themes ----------------------------------------------------------------------------------


def _check_theme(theme: Theme) -> None:
    validate(theme)
    clash = Theme.objects.filter(consultation_id=theme.consultation_id, title__iexact=theme.title)
    if theme.pk:
        clash = clash.exclude(pk=theme.pk)
    if clash.exists():
        raise ValidationError({"title": f"This consultation already has a theme called {theme.title!r}."})


@transaction.atomic
def theme_add(
    *,
    actor: User,
    partnership: Partnership,
    consultation: Consultation,
    title: str,
    you_said: str,
    we_did: str = "",
    position: int | None = None,
) -> Theme:
    """Summarise something people said; "we did" can follow once the partnership has acted."""
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, consultation)
    if position is None:
        last = consultation.themes.aggregate(last=Max("position"))["last"]
        position = (last or 0) + 1
    theme = Theme(
        consultation=consultation,
        title=title.strip(),
        you_said=you_said.strip(),
        we_did=we_did.strip(),
        position=position,
    )
    _check_theme(theme)
    theme.save()
    Auditor(actor, partnership_id=partnership.pk).created(theme)
    return theme


@transaction.atomic
def theme_update(*, actor: User, partnership: Partnership, theme: Theme, **changes: Any) -> Theme:
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, theme.consultation)
    before = snapshot(theme)
    _apply(theme, changes, THEME_FIELDS)
    _check_theme(theme)
    theme.save()
    Auditor(actor, partnership_id=partnership.pk).updated(theme, before)
    return theme


# Responses -------------------------------------------------------------------------------


def _received_problem(consultation: Consultation, received_on: dt.date) -> str:
    """A response counts from the day the consultation opens, and cannot come from the future.

    Late responses (after closing) are accepted: paper questionnaires arrive by post.
    """
    if received_on < consultation.opens_on:
        return f"is before the consultation opened on {consultation.opens_on:%d/%m/%Y}"
    if received_on > timezone.localdate():
        return "is in the future"
    return ""


def _labels(values: Iterable[str], choices: type[Audience] | type[Channel]) -> str:
    return ", ".join(choices(v).label.lower() for v in values)


@transaction.atomic
def response_add(
    *,
    actor: User,
    partnership: Partnership,
    consultation: Consultation,
    respondent_type: str,
    channel: str,
    received_on: dt.date,
    text: str,
    themes: Iterable[Theme] = (),
) -> Response:
    """Record one response, as it was received, and the themes it speaks to."""
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, consultation)
    errors: dict[str, str] = {}
    if respondent_type not in consultation.audiences:
        errors["respondent_type"] = (
            f"This consultation asks {_labels(consultation.audiences, Audience)}, not {respondent_type!r}."
        )
    if channel not in consultation.channels:
        errors["channel"] = (
            f"This consultation runs by {_labels(consultation.channels, Channel)}, not {channel!r}."
        )
    if problem := _received_problem(consultation, received_on):
        errors["received_on"] = f"The date {problem}."
    if not text.strip():
        errors["text"] = "Enter what the respondent said."
    chosen = list(themes)
    if any(theme.consultation_id != consultation.pk for theme in chosen):
        errors["themes"] = "Choose themes of this consultation only."
    if errors:
        raise ValidationError(errors)
    response = Response(
        consultation=consultation,
        respondent_type=respondent_type,
        channel=channel,
        received_on=received_on,
        text=text.strip(),
        source=Response.Source.ENTERED,
    )
    validate(response)
    response.save()
    response.themes.set(chosen)
    Auditor(actor, partnership_id=partnership.pk).created(response)
    return response


# Importing responses ---------------------------------------------------------------------


def _cell(value: Any) -> str | dt.date:
    """Spreadsheet cells as text, except dates, which stay dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path) -> list[list[str | dt.date]]:
    """Every row of the file (header first), or ImportFailed when the file cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportFailed([RowError(1, "(file)", "must be a .csv or .xlsx file")])
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return [[_cell(v) for v in row] for row in csv.reader(handle)]
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailed([RowError(1, "(file)", f"cannot be read as UTF-8 CSV: {exc}")]) from exc
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise ImportFailed([RowError(1, "(file)", f"cannot be read as an Excel workbook: {exc}")]) from exc


@cache
def _lookup(choices: type[Audience] | type[Channel]) -> dict[str, str]:
    """Each value, found by its value or its label, in any case."""
    found: dict[str, str] = {}
    for choice in choices:
        found[choice.value.casefold()] = choice.value
        found[choice.label.casefold()] = choice.value
        found[choice.label.casefold().removeprefix("the ")] = choice.value
    return found


def _date(value: str | dt.date) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _header_problems(header: list[str]) -> list[RowError]:
    errors = [
        RowError(1, c, "required column is missing from the header")
        for c in IMPORT_REQUIRED
        if c not in header
    ]
    seen: set[str] = set()
    for index, column in enumerate(header, start=1):
        if not column:
            errors.append(RowError(1, f"(column {index})", "has no name"))
        elif column not in IMPORT_REQUIRED + IMPORT_OPTIONAL:
            errors.append(RowError(1, column, "unknown column"))
        elif column in seen:
            errors.append(RowError(1, column, "appears twice in the header"))
        seen.add(column)
    return errors


def _choice(
    raw: str | dt.date, choices: type[Audience] | type[Channel], allowed: list[str], kind: str, among: str
) -> tuple[str, str]:
    """The value a cell names (by value or label), or why it cannot be used here."""
    if not str(raw).strip():
        return "", "is blank"
    value = _lookup(choices).get(str(raw).strip().casefold(), "")
    if not value:
        return "", f"{raw!r} is not a {kind}"
    if value not in allowed:
        label = choices(value).label
        return "", f"{label!r} is not one of this consultation's {among} ({_labels(allowed, choices)})"
    return value, ""


def _check_row(
    consultation: Consultation, cells: dict[str, str | dt.date], themes: dict[str, Theme]
) -> tuple[Response | None, list[Theme], list[tuple[str, str]]]:
    """One row's response and themes, or its problems as (column, reason). Absent columns are skipped:
    the header's problems are reported once, at row 1."""
    problems: list[tuple[str, str]] = []
    respondent_type = channel = ""
    if "respondent_type" in cells:
        respondent_type, reason = _choice(
            cells["respondent_type"], Audience, consultation.audiences, "respondent type", "audiences"
        )
        if reason:
            problems.append(("respondent_type", reason))
    if "channel" in cells:
        channel, reason = _choice(cells["channel"], Channel, consultation.channels, "channel", "channels")
        if reason:
            problems.append(("channel", reason))
    received_on = None
    if "received_on" in cells:
        received_on = _date(cells["received_on"])
        if received_on is None:
            problems.append(
                ("received_on", f"{cells['received_on']!r} is not a date (use 2025-03-31 or 31/03/2025)")
            )
        elif reason := _received_problem(consultation, received_on):
            problems.append(("received_on", reason))
    text = str(cells.get("text", "")).strip()
    if "text" in cells and not text:
        problems.append(("text", "is blank"))
    chosen: list[Theme] = []
    for title in (t.strip() for t in str(cells.get("themes", "")).split(";")):
        theme = themes.get(title.casefold())
        if title and theme is None:
            problems.append(("themes", f"no theme of this consultation is called {title!r}"))
        elif theme is not None and theme not in chosen:
            chosen.append(theme)
    if problems or received_on is None:
        return None, [], problems
    response = Response(
        consultation=consultation,
        respondent_type=respondent_type,
        channel=channel,
        received_on=received_on,
        text=text,
        source=Response.Source.IMPORTED,
    )
    return response, chosen, problems


def _parse_responses(
    consultation: Consultation, rows: list[list[str | dt.date]], themes: dict[str, Theme]
) -> tuple[list[tuple[Response, list[Theme]]], list[RowError]]:
    """Check every row against the consultation; the responses to write, or every problem found."""
    if not rows or not any(rows[0]):
        return [], [RowError(1, "(file)", "is empty: the first row must name the columns")]
    header = [str(c).strip().casefold() for c in rows[0]]
    errors = _header_problems(header)
    position = {name: header.index(name) for name in IMPORT_REQUIRED + IMPORT_OPTIONAL if name in header}
    parsed: list[tuple[Response, list[Theme]]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank lines, as spreadsheets often leave at the end
        if any(row[len(header) :]):
            errors.append(RowError(number, "(row)", "has more values than the header has columns"))
        cells = {name: row[index] if index < len(row) else "" for name, index in position.items()}
        response, chosen, problems = _check_row(consultation, cells, themes)
        errors += [RowError(number, column, reason) for column, reason in problems]
        if response is not None:
            parsed.append((response, chosen))
    if not errors and not parsed:
        errors.append(RowError(2, "(file)", "has no responses below the header"))
    return parsed, errors


def responses_import(
    *,
    actor: User,
    partnership: Partnership,
    consultation: Consultation,
    path: str | Path,
    file_name: str = "",
) -> int:
    """Load responses from a CSV or xlsx file: every row is checked, and all land or none do.

    Columns: respondent_type, channel, received_on, text and, optionally, themes (titles of the
    consultation's themes separated by ';'). Raises ``ImportFailed`` listing every problem.
    """
    require_permission(actor, Permission.MANAGE_ENGAGEMENT, partnership=partnership)
    _own(partnership, consultation)
    path = Path(path)
    themes = {theme.title.casefold(): theme for theme in consultation.themes.all()}
    parsed, errors = _parse_responses(consultation, _read_rows(path), themes)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row, e.column)))
    with transaction.atomic():
        created = Response.objects.bulk_create([response for response, _ in parsed], batch_size=500)
        links = Response.themes.through
        links.objects.bulk_create(
            [
                links(response_id=response.pk, theme_id=theme.pk)
                for response, (_, chosen) in zip(created, parsed, strict=True)
                for theme in chosen
            ],
            batch_size=1000,
        )
        Auditor(actor, partnership_id=partnership.pk).record(
            AuditEvent.Action.IMPORT,
            consultation,
            after={"responses": len(created), "file": file_name or path.name},
            summary=f"{len(created):,} responses imported from {file_name or path.name}",
        )
    return len(created)
