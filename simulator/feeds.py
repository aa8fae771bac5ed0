"""The feeds of the sources contract: where each goes, when it is due and how it is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator import benefits, cards, contact_files, ibc_finance, ibc_hr, registers
from simulator.dates import ymd_parts
from simulator.persons import SYSTEMS
from simulator.world import World
from simulator.writers import FileOut


@dataclass(frozen=True)
class Feed:
    path: str  # feed path under landing/
    prefix: str  # file name prefix, also the defect stream name
    fmt: str  # ibc | csv | csv_bom | jsonl | xlsx
    cadence: str  # daily | weekly | monthly | monthly_5th | budget
    build: Callable[[World, np.datetime64], FileOut]

    def due(self, day: np.datetime64) -> bool:
        if self.cadence == "daily":
            return True
        if self.cadence == "weekly":
            return int((day.astype(np.int64) - 4) % 7) == 0  # 1970-01-05 was a Monday
        _, month, dom = (int(v[0]) for v in ymd_parts(np.array([day])))
        if self.cadence == "monthly":
            return dom == 1
        if self.cadence == "monthly_5th":  # the previous month's statement (purchase cards)
            return dom == 5
        return dom == 1 and month in (4, 10, 1)  # budget: ORIG in April, revisions in October and January

    def name_for(self, day: np.datetime64) -> str:
        """The file name this feed would give a file dated `day` (duplicate_file_new_name uses it)."""
        stamp = str(np.datetime_as_string(day, unit="D")).replace("-", "")
        ext = {"ibc": "txt", "csv": "csv", "csv_bom": "csv", "jsonl": "jsonl", "xlsx": "xlsx"}[self.fmt]
        return f"{self.prefix}_{stamp}.{ext}"


def _index_feed(system: str) -> Feed:
    return Feed(
        "services/person_index", system, "csv", "monthly", lambda w, d: registers.person_index(w, system, d)
    )


FEEDS: list[Feed] = [
    Feed("ibc/hr", "PA0001", "ibc", "monthly", lambda w, d: ibc_hr.pa0001(w.staff, d)),
    Feed("ibc/hr", "PA0002", "ibc", "monthly", lambda w, d: ibc_hr.pa0002(w.staff, d)),
    Feed("ibc/hr", "PA0007", "ibc", "monthly", lambda w, d: ibc_hr.pa0007(w.staff, d)),
    Feed("ibc/hr", "POSITIONS", "ibc", "monthly", lambda w, d: ibc_hr.positions(w.staff, d)),
    Feed("ibc/hr", "PA0008", "ibc", "monthly", lambda w, d: ibc_hr.pa0008(w.pay, w.staff, d)),
    Feed("ibc/hr", "ORGCHART", "ibc", "monthly", lambda w, d: ibc_hr.orgchart(w.pay, w.staff, d)),
    Feed("ibc/hr", "PA0000", "ibc", "daily", lambda w, d: ibc_hr.pa0000(w.staff, d)),
    Feed("ibc/hr", "PA2001", "ibc", "daily", lambda w, d: ibc_hr.pa2001(w.staff, d)),
    Feed("ibc/finance", "CSKS", "ibc", "monthly", lambda w, d: ibc_hr.csks(w.org, w.staff, d)),
    Feed("ibc/finance", "LFA1", "ibc", "daily", ibc_finance.lfa1),
    Feed("ibc/finance", "FI_ITEMS", "ibc", "daily", ibc_finance.fi_items),
    Feed("ibc/finance", "PAYMENTS", "ibc", "daily", ibc_finance.payments),
    Feed("ibc/finance", "BUDGET", "ibc", "budget", ibc_finance.budget),
    Feed("procurement/contracts", "contracts_register", "csv", "monthly", registers.contracts_register),
    Feed("care/payments", "care_payments", "csv_bom", "weekly", registers.care_payments),
    Feed(
        cards.FEED,
        cards.PREFIX,
        "csv",
        "monthly_5th",
        lambda w, d: cards.pcard_transactions(w.seed, w.scale, w.staff, w.residents, d),
    ),
    Feed("csc/telephony", "cdr", "jsonl", "daily", contact_files.cdr),
    Feed("csc/crm", "contacts", "csv", "daily", contact_files.crm_contacts),
    Feed("web/forms", "eforms", "jsonl", "daily", contact_files.eforms),
    Feed(
        "programme/benefits", "benefits_tracker", "xlsx", "monthly", lambda w, d: benefits.tracker(w.seed, d)
    ),
    *[_index_feed(s) for s in SYSTEMS],
]
