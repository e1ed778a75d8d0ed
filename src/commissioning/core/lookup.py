"""One way for pages and the API to turn "not in your scope" into "not found"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

T = TypeVar("T")


def found_or_404(selector: Callable[..., T], *args: Any) -> T:
    """Call a selector that looks one object up; an object outside the caller's scope is a 404."""
    try:
        return selector(*args)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
