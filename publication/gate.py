"""The release gate: a table is published only if every blocking check passed on exactly its content.

The publish step gives `audit` the fingerprint of every table it is about to publish (computed on
the release's own copy, publication/fingerprint.py) and, for every check declared on those
tables, the latest evaluation of that check in any run (outcome and the fingerprint the check
recorded when it judged the table). A blocking check that never ran, failed, recorded no
fingerprint or judged other content (stale) refuses the whole release; so does a table that no
blocking check judges. Warning checks are reported, never a reason to refuse.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# How to move on from a refusal, said with every refusal.
WHAT_TO_DO = (
    "What to do: for a failed check, fix its cause (the check's metadata and the run's Data Docs say "
    "what failed) and run `insight-hub refresh`; for a stale or missing check (the table changed "
    "after it was judged, or it was never judged), run `insight-hub publish`, which runs every check "
    "on the tables as they are now and publishes only if all blocking checks pass."
)
LISTED_AT_MOST = 40
# Check metadata naming the columns a failed check found wrong (never their values): a refusal
# names them, so an engineer knows where to look without opening the check.
FAILED_COLUMNS_METADATA_KEY = "failed_columns"


class ReleaseRefused(RuntimeError):
    """Some blocking check did not pass on the content being published; `problems` says which."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:LISTED_AT_MOST]
        more = [f"... and {len(problems) - len(shown)} more"] if len(problems) > len(shown) else []
        super().__init__(
            f"release refused: {len(problems)} blocking check(s) did not pass on the content being "
            "published; nothing was published and `current` is unchanged:\n"
            + "\n".join(f"  - {p}" for p in [*shown, *more])
            + f"\n{WHAT_TO_DO}"
        )


def audit(
    fingerprints: dict[str, str], checks: list[dict[str, Any]], schema: str = "bi"
) -> dict[str, list[str]]:
    """The blocking checks that passed on each table's content, or ReleaseRefused naming the rest.

    `fingerprints`: table -> fingerprint of the content to publish. `checks`: one dict per check
    declared on a published asset, with `asset` ("bi/<table>"), `check`, `blocking`, and its latest
    evaluation: `passed` (None if never evaluated), `fingerprint`, `run_id`, and `failed_columns`
    (the columns a failed check names, if any).
    """
    blocking: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for check in checks:
        if check["blocking"]:
            blocking[check["asset"]].append(check)
    problems: list[str] = []
    passed: dict[str, list[str]] = {}
    for table, fingerprint in sorted(fingerprints.items()):
        asset = f"{schema}/{table}"
        if not blocking[asset]:
            problems.append(f"{asset}: no blocking check judges this table (it is not a gated asset)")
            continue
        passed[table] = []
        for check in sorted(blocking[asset], key=lambda c: c["check"]):
            if problem := _problem(check, fingerprint):
                problems.append(f"{asset}:{check['check']}: {problem}")
            else:
                passed[table].append(check["check"])
    if problems:
        raise ReleaseRefused(problems)
    return passed


def in_columns(columns: list[str]) -> str:
    """Where a failed check found its problem, as a refusal words it (" in columns a, b"; "" for
    a table-level check); the CLI says the same of each failed check, so the wording lives here."""
    return f" in column{'s' if len(columns) > 1 else ''} {', '.join(columns)}" if columns else ""


def _problem(check: dict[str, Any], fingerprint: str) -> str | None:
    """Why this blocking check does not vouch for `fingerprint`, or None if it does."""
    run = f"run {check['run_id']}" if check.get("run_id") else ""
    if check["passed"] is None:
        return "never evaluated"
    if not check["passed"]:
        return f"FAILED{in_columns(check.get('failed_columns') or [])} ({run})"
    if not check.get("fingerprint"):
        return f"passed without recording the content it judged ({run}): stale"
    if check["fingerprint"] != fingerprint:
        return f"STALE: passed on content {check['fingerprint']}, the table is now {fingerprint} ({run})"
    return None
