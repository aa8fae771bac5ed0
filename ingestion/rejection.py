"""Rejection reports: one JSON schema for every feed, written so a source owner can act on it.

A report names the file (its sha256 and version), the outcome, the rows read, loaded and refused,
and per check its severity, the rows it affected and a few examples by line number. Values of
personal columns are never written, and messages never quote a line's content.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

REPORT_VERSION = 1
MAX_EXAMPLES = 5
MASK = "<personal data masked>"

Severity = Literal["error", "warning"]
Outcome = Literal["file_quarantined", "rows_quarantined", "loaded_with_warnings"]


class ContractViolation(Exception):
    """A file breaks its feed's contract as a whole: it is quarantined untouched."""

    def __init__(
        self,
        check: str,
        message: str,
        rows_affected: int | None = None,
        examples: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message
        self.rows_affected = rows_affected
        self.examples = examples or []


@dataclass
class Finding:
    check: str
    severity: Severity
    message: str
    rows_affected: int | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RejectionReport:
    file: str
    feed: str
    table: str | None  # None for a file that matches no feed of its folder
    sha256: str
    version: int  # 1 for the first delivery of this file name, then 2, 3 .. for re-sends
    outcome: Outcome
    rows_read: int | None
    rows_loaded: int
    rows_quarantined: int | None
    findings: list[Finding]
    report_version: int = REPORT_VERSION
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(asdict(self), indent=2, default=str), encoding="utf-8")
        tmp.replace(path)
        return path


def mask_examples(examples: list[dict[str, Any]], personal: frozenset[str]) -> list[dict[str, Any]]:
    """Keep at most MAX_EXAMPLES examples, masking the value of any personal column."""
    masked = []
    for example in examples[:MAX_EXAMPLES]:
        if example.get("column") in personal and example.get("value") is not None:
            example = {**example, "value": MASK}
        masked.append(example)
    return masked
