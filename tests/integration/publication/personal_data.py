"""The personal data of a simulated world, collected from the files it delivered, and a scanner
that looks for any of it in text, dates and table values.

Values are never printed: findings say what kind of value was found where, not the value.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

NAME_COLUMNS = {
    "first_name",
    "last_name",
    "customer_first_name",
    "customer_last_name",
    "VORNA",
    "NACHN",
    "owner",
}
TOKEN_COLUMNS = {
    "email": "email",
    "customer_email": "email",
    "phone": "phone",
    "customer_phone": "phone",
    "caller_number": "phone",
    "PERID": "NI number",
    "nhs_number": "NHS number",
    "postcode": "postcode",
}
DOB_COLUMNS = {"dob": "%Y-%m-%d", "customer_dob": "%d/%m/%Y", "GBDAT": "%Y%m%d"}
# Dates of birth from 2010 on cannot be told from the business dates a warehouse rightly publishes
# (the calendar, cost centre validity from 2010); earlier ones never occur in published data.
DOB_BEFORE = date(2010, 1, 1)
WORDS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
TOKENS = re.compile(r"[\w@.+'-]+")


@dataclass
class PersonalData:
    names: set[str] = field(default_factory=set)  # "first last", lower case
    tokens: dict[str, str] = field(default_factory=dict)  # token -> kind
    dobs: set[date] = field(default_factory=set)

    def add_name(self, *parts: str) -> None:
        words = [w for part in parts for w in WORDS.findall(part.lower())]
        if len(words) >= 2:
            self.names.add(" ".join(words))

    def add_token(self, value: str, kind: str) -> None:
        value = value.strip().lower()
        if not value:
            return
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            national = "0" + digits[2:] if digits.startswith("44") else digits
            if len(national) < 10:  # no number (telephony shows a withheld caller as a bare "+44")
                return
            for form in (national, "+44" + national[1:]):
                self.tokens[form] = kind
        elif kind == "postcode":
            self.tokens[value.replace(" ", "")] = kind  # found as "ox75gt" or as "ox7" then "5gt"
        else:
            self.tokens[value] = kind

    def add_dob(self, text: str, fmt: str) -> None:
        try:
            day = datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            return
        if day < DOB_BEFORE:
            self.dobs.add(day)
            for form in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
                self.tokens[day.strftime(form)] = "date of birth"

    def find(self, values: Iterable) -> set[str]:
        """The kinds of personal data among `values` (strings, dates, timestamps, numbers)."""
        found = set()
        for value in values:
            if value is None:
                continue
            if isinstance(value, datetime):
                value = value.date()
            if isinstance(value, date):
                if value in self.dobs:
                    found.add("date of birth")
                continue
            text = str(value).lower()
            tokens = [token.strip(".'-") for token in TOKENS.findall(text)]
            found.update(self.tokens[t] for t in tokens if t in self.tokens)
            found.update(
                "postcode"
                for a, b in zip(tokens, tokens[1:], strict=False)
                if self.tokens.get(a + b) == "postcode"
            )
            words = WORDS.findall(text)
            if any(f"{a} {b}" in self.names for a, b in zip(words, words[1:], strict=False)):
                found.add("name")
        return found


def collect(home: Path) -> PersonalData:
    """Every name, email, phone, NI and NHS number, postcode and date of birth the world delivered."""
    data = PersonalData()
    delivered = [p for area in ("archive", "quarantine") for p in (home / area).rglob("*") if p.is_file()]
    individuals = set()
    for path in delivered:
        for record in _records(path):
            if record.get("KTOKK") == "INDV":
                individuals.add(record.get("LIFNR"))
                data.add_name(record.get("NAME1") or "")
                data.add_token(record.get("PSTLZ") or "", "postcode")
    for path in delivered:
        for record in _records(path):
            names = [str(record[c]) for c in ("first_name", "middle_name", "last_name") if record.get(c)]
            data.add_name(*(n for n in names if n))
            data.add_name(str(record.get("first_name") or ""), str(record.get("last_name") or ""))
            data.add_name(
                str(record.get("customer_first_name") or ""), str(record.get("customer_last_name") or "")
            )
            data.add_name(str(record.get("VORNA") or ""), str(record.get("NACHN") or ""))
            data.add_name(str(record.get("owner") or ""))
            if record.get("lifnr") in individuals:
                data.add_name(str(record.get("provider_name") or ""))
            for column, kind in TOKEN_COLUMNS.items():
                if record.get(column):
                    data.add_token(str(record[column]), kind)
            for column, fmt in DOB_COLUMNS.items():
                if record.get(column):
                    data.add_dob(str(record[column]), fmt)
    return data


def _records(path: Path) -> Iterable[dict]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            yield from csv.DictReader(f)
    elif path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record
    elif path.suffix == ".txt":
        lines = path.read_text(encoding="cp1252", errors="replace").splitlines()
        header = lines[0].split("|") if lines else []
        for line in lines[1:]:
            if not line.startswith("TRL|"):
                yield dict(zip(header, line.split("|"), strict=False))
    elif path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            header_at = next((i for i, r in enumerate(rows) if "owner" in r), None)
            if header_at is not None:
                header = rows[header_at]
                yield from (dict(zip(header, r, strict=False)) for r in rows[header_at + 1 :])
        workbook.close()
