"""Reads, scoped to one partnership, each in a fixed handful of queries.

Decisions live in governance, above this app: they are reached only through the reverse
accessor ``theme.decisions``, never by importing governance.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent
from commissioning.engagement.models import Audience, Channel, Consultation, Response, Theme
from commissioning.partners.models import Partnership


def _count(queryset: QuerySet[Any], field: str) -> Coalesce:
    """How many rows of ``queryset`` point at the outer row, as a subquery (no join fan-out)."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _decisions() -> QuerySet[Any]:
    """The governance decisions that can answer a theme, found through the relation itself."""
    relation: Any = Theme._meta.get_field("decisions")
    return relation.related_model._default_manager.order_by("reference")


def _themes() -> QuerySet[Theme]:
    """Themes with how many responses speak to each and the decisions that answered them."""
    return (
        Theme.objects.annotate(response_count=_count(Response.themes.through.objects.all(), "theme"))
        .prefetch_related(Prefetch("decisions", queryset=_decisions()))
        .order_by("position", "title")
    )


# Consultations ---------------------------------------------------------------------------


def consultations_in(partnership: Partnership) -> QuerySet[Consultation]:
    """The partnership's consultations, newest first, with their response and theme counts."""
    return (
        Consultation.objects.filter(partnership=partnership)
        .annotate(
            response_count=_count(Response.objects.all(), "consultation"),
            theme_count=_count(Theme.objects.all(), "consultation"),
        )
        .order_by("-opens_on", "title")
    )


def consultation_in(partnership: Partnership, pk: int) -> Consultation:
    """One consultation with its themes, their response counts and the decisions answering them."""
    return (
        consultations_in(partnership)
        .select_related("created_by")
        .prefetch_related(Prefetch("themes", queryset=_themes()))
        .get(pk=pk)
    )


def themes_of(consultation: Consultation) -> QuerySet[Theme]:
    return consultation.themes.order_by("position", "title")


def theme_in(partnership: Partnership, consultation_pk: int, pk: int) -> Theme:
    return Theme.objects.select_related("consultation").get(
        consultation__partnership=partnership, consultation_id=consultation_pk, pk=pk
    )


def history(obj: Any) -> QuerySet[AuditEvent]:
    return history_for(obj)


# Responses -------------------------------------------------------------------------------


def responses_in(consultation: Consultation) -> QuerySet[Response]:
    """What people said, in the order it arrived, with the themes each speaks to."""
    return consultation.responses.prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("position"))
    ).order_by("received_on", "pk")


def response_summary(consultation: Consultation) -> dict[str, list[tuple[str, int]]]:
    """How many responses came from each kind of respondent, and by each channel."""
    responses = consultation.responses.order_by()
    by_type = dict(responses.values_list("respondent_type").annotate(n=Count("pk")))
    by_channel = dict(responses.values_list("channel").annotate(n=Count("pk")))
    return {
        "respondent_types": [(Audience(v).label, by_type.get(v, 0)) for v in consultation.audiences],
        "channels": [(Channel(v).label, by_channel.get(v, 0)) for v in consultation.channels],
    }


# You said, we did ------------------------------------------------------------------------


def you_said_we_did(partnership: Partnership) -> list[Consultation]:
    """Every theme of every consultation, published or not, for the partnership's own staff."""
    return list(consultations_in(partnership).prefetch_related(Prefetch("themes", queryset=_themes())))


def public_partnership(slug: str) -> Partnership:
    """Any partnership, by slug: what it has published is open to everyone."""
    return Partnership.objects.get(slug=slug)


def published_you_said_we_did(partnership: Partnership) -> list[Consultation]:
    """What the public may read: published consultations, the themes the partnership has
    answered ("we did" written), and the decisions already taken about them. No responses."""
    decided = _decisions().filter(partnership=partnership, decided_on__isnull=False)
    answered = (
        Theme.objects.exclude(we_did="")
        .prefetch_related(Prefetch("decisions", queryset=decided))
        .order_by("position", "title")
    )
    return list(
        Consultation.objects.filter(partnership=partnership)
        .filter(is_published=True)
        .prefetch_related(Prefetch("themes", queryset=answered))
        .order_by("-closes_on", "title")
    )
