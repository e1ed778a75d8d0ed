"""The upload page for indicator files (filled in with the import pipeline)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view


@partnership_view(Permission.MANAGE_INDICATORS)
def upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
