"""Governance wording in templates: state tags, money, financial years, quorum verdicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commissioning.governance import presenters

register = template.Library()


def _tag(tag: presenters.Tag | None) -> SafeString | str:
    return "" if tag is None else format_html('<strong class="{}">{}</strong>', tag.css, tag.label)


@register.filter
def decision_tag(state: str) -> SafeString | str:
    return _tag(presenters.decision_state(state))


@register.filter
def meeting_tag(status: str) -> SafeString | str:
    return _tag(presenters.meeting_status(status))


@register.filter
def vote_tag(choice: str) -> SafeString | str:
    return _tag(presenters.vote(choice))


@register.filter
def quorum_tag(quorum: Any) -> SafeString | str:
    return _tag(presenters.quorum_tag(quorum.is_quorate))


@register.filter
def quorum_verdict(quorum: Any) -> str:
    return presenters.quorum_verdict(quorum.is_quorate, quorum.present_voting, tuple(quorum.reasons))


@register.filter
def interest_tag(ends_on: dt.date | None, today: dt.date) -> SafeString | str:
    return _tag(presenters.interest_tag(ends_on, today))


@register.filter
def review_tag(agreement: Any, today: dt.date) -> SafeString | str:
    return _tag(presenters.review_reminder(agreement.review_on, agreement.ends_on, today))


@register.filter
def money(amount: Decimal | None) -> str:
    return presenters.money(amount)


@register.filter
def limit(amount: Decimal | None) -> str:
    return presenters.limit(amount)


@register.filter
def financial_year(year: int) -> str:
    return presenters.financial_year(year)


@register.filter
def yes_no(value: bool) -> str:
    return presenters.yes_no(value)


@register.simple_tag
def approver(rule: Any) -> str:
    return presenters.approver(
        board_name=rule.board.name if rule.board_id else "",
        role_label=rule.get_role_display() if rule.role else "",
        post=rule.post,
    )


@register.filter
def is_checkboxes(field: Any) -> bool:
    return bool(getattr(field.field.widget, "nhs_checkboxes", False))


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)
