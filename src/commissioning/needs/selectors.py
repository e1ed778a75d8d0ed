"""Reads for the JSNA pages, scoped to the partnership; views reach data only through these."""

from __future__ import annotations

from django.db.models import QuerySet

from commissioning.needs.models import IndicatorImport
from commissioning.partners.models import Partnership


def imports_in(partnership: Partnership, *, limit: int = 20) -> QuerySet[IndicatorImport]:
    """The partnership's latest imports, newest first, with who loaded them."""
    return IndicatorImport.objects.filter(partnership=partnership).select_related("imported_by")[:limit]
