"""The import framework: parse, validate every row, report every problem, write all or nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in an input file: the row (1 is the header), the column and why."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFailed(Exception):
    """Raised, with every problem found, when a file cannot be imported; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        count = len(errors)
        shown = "; ".join(str(error) for error in errors[:5])
        more = f" (and {count - 5} more)" if count > 5 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found, nothing imported: {shown}{more}")
