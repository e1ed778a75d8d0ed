"""Writing a row and auditing the write, as one step."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from commissioning.core.audit import Auditor, snapshot

M = TypeVar("M", bound=models.Model)


def save_changes(auditor: Auditor, row: M, summary: str, /, **fields: Any) -> M:
    """Set ``fields`` on the row, save only those, and audit what changed (nothing, if nothing did).

    The audit summary is positional only, so a row may have a field of that name too.
    """
    before = snapshot(row)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=list(fields))
    auditor.updated(row, before, summary=summary)
    return row


def store(
    auditor: Auditor,
    model: type[M],
    existing: M | None,
    *,
    new: dict[str, Any],
    fields: dict[str, Any],
    created: str,
    updated: str,
) -> M:
    """Create the row (what identifies it in ``new``, its content in ``fields``), or change the
    existing one's content and save it whole (so its own timestamps move); audited either way."""
    if existing is None:
        row = model.objects.create(**new, **fields)  # type: ignore[attr-defined]
        auditor.created(row, summary=created)
        return row
    before = snapshot(existing)
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.save()
    auditor.updated(existing, before, summary=updated)
    return existing


def delete(auditor: Auditor, row: models.Model, summary: str) -> None:
    """Delete the row and audit it; the event names the row by the id it had."""
    before, pk = snapshot(row), row.pk
    row.delete()
    row.pk = pk
    auditor.deleted(row, before, summary=summary)
