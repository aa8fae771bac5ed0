"""The retention schedule file: the shipped one reads, and a malformed entry is refused by name."""

from __future__ import annotations

from datetime import date

import pytest

from identity import retention
from identity.governance import GovernanceError


def test_the_shipped_schedule_names_every_resident_system_with_a_basis():
    classes = retention.load(retention.SCHEDULE)
    covered = {system for c in classes for system in c.systems}
    assert covered == {
        "crm",
        "eforms",
        "telephony",
        "adult_social_care",
        "blue_badge",
        "libraries",
        "school_admissions",
    }
    assert all(c.legal_basis and c.trigger in retention.TRIGGERS for c in classes)


def test_cutoffs_count_back_from_the_day_it_runs():
    two_years = retention.DataClass("x", ("crm",), "2 years", "record_date", "basis")
    assert two_years.cutoff(date(2026, 12, 6)) == date(2024, 12, 6)
    assert retention.DataClass("x", ("crm",), "3 months", "record_date", "b").cutoff(
        date(2026, 1, 31)
    ) == date(2025, 10, 28)
    assert retention.DataClass("x", ("crm",), "10 days", "record_date", "b").cutoff(date(2026, 1, 5)) == date(
        2025, 12, 26
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("systems: [crm]\n    period: 2 years\n    trigger: record_date", "lacks legal_basis"),
        (
            "systems: [crm]\n    period: forever\n    trigger: record_date\n    legal_basis: b",
            "period 'forever'",
        ),
        (
            "systems: [crm]\n    period: 2 years\n    trigger: whenever\n    legal_basis: b",
            "trigger 'whenever'",
        ),
        (
            "systems: [payroll]\n    period: 2 years\n    trigger: record_date\n    legal_basis: b",
            "unknown systems",
        ),
        (
            "systems: [blue_badge]\n    period: 2 years\n    trigger: record_date\n    legal_basis: b",
            "no record date",
        ),
    ],
)
def test_a_malformed_entry_is_refused_by_name(tmp_path, entry, message):
    path = tmp_path / "retention.yml"
    path.write_text(f"schedule:\n  - data_class: contacts\n    {entry}\n")
    with pytest.raises(GovernanceError, match=message):
        retention.load(path)


@pytest.mark.parametrize("period", ["2 years", "3 months", "10 days"])
def test_a_cutoff_before_the_first_day_a_date_holds_is_refused(period):
    with pytest.raises(GovernanceError, match="reaches back before year 1"):
        retention.DataClass("x", ("crm",), period, "record_date", "b").cutoff(date(1, 1, 1))
