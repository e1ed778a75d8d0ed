"""Time periods as published: '2019', '2019/20', '2017 - 19', '2019/20 Q3', 'Apr 2020'.

Fingertips orders periods by a sortable number, YYYYMMQQ-like: the starting year times 10,000,
plus the quarter or month where the period is shorter than a year. Periods that name no
four-digit starting year cannot be placed in time and are refused.
"""

from __future__ import annotations

import re

import pandas as pd

_YEAR = r"(?P<year>(?:19|20)\d{2})"
_PATTERNS = (
    # 2019, 2019/20, 2019/2020, 2017 - 19, 2017-2019, 2019/20 Q3, 2019 Q3
    re.compile(rf"^{_YEAR}(?:\s*(?:/|-|–|to)\s*\d{{2,4}})?(?:\s+Q(?P<quarter>[1-4]))?$"),
    # Apr 2020, April 2020, 2020 Apr
    re.compile(rf"^(?P<month>[A-Za-z]{{3,9}})\s+{_YEAR}$"),
    re.compile(rf"^{_YEAR}\s+(?P<month>[A-Za-z]{{3,9}})$"),
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def period_sort(label: str) -> int | None:
    """The sortable number for one period label, or None when it does not parse."""
    text = " ".join(str(label).split())
    match = _PATTERNS[0].match(text)
    if match:
        quarter = int(match["quarter"]) if match["quarter"] else 0
        return int(match["year"]) * 10_000 + quarter
    for pattern in _PATTERNS[1:]:
        match = pattern.match(text)
        if match:
            month = _MONTHS.get(match["month"].lower())
            return None if month is None else int(match["year"]) * 10_000 + month * 100
    return None


def period_sorts(labels: pd.Series) -> pd.Series:
    """Vectorised over the distinct labels of a column: most files repeat a handful of periods."""
    distinct = pd.unique(labels)
    lookup = {label: period_sort(label) for label in distinct}
    return labels.map(lookup).astype("Float64")


def is_sortable_code(values: pd.Series) -> pd.Series:
    """Fingertips' own 'Time period Sortable' column: eight digits, e.g. 20150000."""
    return values.str.fullmatch(r"(?:19|20)\d{6}").fillna(False).astype(bool)
