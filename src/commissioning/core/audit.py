"""The audit trail: services record every change they make, with the actor named.

An explicit call from the service rather than a signal, because signals miss bulk writes and
cannot know who acted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from commissioning.core.models import AuditEvent, User


class MissingActorError(ValueError):
    """An audited change was attempted without saying who made it."""


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_json_value(item) for item in value]
    return value


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The object's own field values as JSON-safe data (foreign keys by id, M2M by ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name in {"id", "password", "last_login"}:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue  # timestamps the event itself records
        data[field.name] = _json_value(field.value_from_object(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            if field.name not in exclude:
                data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return data


class Auditor:
    """Writes audit events on behalf of one actor; refuses to work without one."""

    def __init__(self, actor: User | None, *, partnership_id: int | None = None) -> None:
        if actor is None or not getattr(actor, "pk", None):
            raise MissingActorError("Every audited change needs the person who made it.")
        self.actor = actor
        self.partnership_id = partnership_id

    def record(
        self,
        action: str,
        obj: models.Model,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        summary: str = "",
        partnership_id: int | None = None,
    ) -> AuditEvent:
        return AuditEvent.objects.create(
            actor=self.actor,
            action=action,
            object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=str(obj.pk),
            object_repr=str(obj)[:300],
            partnership_id=partnership_id if partnership_id is not None else self.partnership_id,
            summary=summary[:300],
            before=before,
            after=after,
        )

    def record_many(
        self, action: str, changes: list[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]]
    ) -> int:
        """Record one event per (object, before, after) in a single insert, for bulk loads."""
        if not changes:
            return 0
        content_type = ContentType.objects.get_for_model(changes[0][0], for_concrete_model=True)
        events = [
            AuditEvent(
                actor=self.actor,
                action=action,
                object_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:300],
                partnership_id=self.partnership_id,
                before=before,
                after=after,
            )
            for obj, before, after in changes
        ]
        AuditEvent.objects.bulk_create(events, batch_size=500)
        return len(events)

    def created(self, obj: models.Model, **kwargs: Any) -> AuditEvent:
        return self.record(AuditEvent.Action.CREATE, obj, after=snapshot(obj), **kwargs)

    def updated(self, obj: models.Model, before: dict[str, Any], **kwargs: Any) -> AuditEvent | None:
        """Record an update, or nothing when no field actually changed."""
        after = snapshot(obj)
        if after == before:
            return None
        return self.record(AuditEvent.Action.UPDATE, obj, before=before, after=after, **kwargs)

    def deleted(self, obj: models.Model, before: dict[str, Any], **kwargs: Any) -> AuditEvent:
        return self.record(AuditEvent.Action.DELETE, obj, before=before, **kwargs)


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event about one object, newest first."""
    return (
        AuditEvent.objects.filter(
            object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=str(obj.pk),
        )
        .select_related("actor", "object_type")
        .order_by("-occurred_at", "-id")
    )
