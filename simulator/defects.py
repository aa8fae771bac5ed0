"""Controlled defects: which file or batch gets which defect, and how the file is damaged.

Every decision is drawn from the seed and the (kind, feed, date) it concerns, never from call
order, so split runs and one long run inject the same defects.
"""

from __future__ import annotations

import numpy as np

from simulator.randomness import rng
from simulator.writers import BAD_BYTE_MARK, FileOut

IBC_KINDS = (
    "missing_trailer",
    "wrong_trailer",
    "truncated_last_line",
    "duplicated_lines",
    "resent_with_corrections",
    "extra_column",
    "renamed_column",
    "zero_date",
    "trailing_minus",
    "bad_encoding",
    "late_file",
)
OTHER_KINDS = (
    "csv_title_row",
    "csv_renamed_column",
    "malformed_json",
    "empty_file",
    "duplicate_file_new_name",
    "bdu_missing",
    "bdu_short",
)
DEFECT_KINDS: tuple[str, ...] = IBC_KINDS + OTHER_KINDS
EXPECT = {
    "missing_trailer": "file_quarantined",
    "wrong_trailer": "file_quarantined",
    "truncated_last_line": "file_quarantined",
    "duplicated_lines": "row_quarantined",
    "resent_with_corrections": "new_version",
    "extra_column": "loaded_with_warning",
    "renamed_column": "file_quarantined",
    "zero_date": "row_quarantined",
    "trailing_minus": "row_quarantined",
    "bad_encoding": "file_quarantined",
    "late_file": "late_arrival",
    "csv_title_row": "file_quarantined",
    "csv_renamed_column": "file_quarantined",
    "malformed_json": "row_quarantined",
    "empty_file": "file_quarantined",
    "duplicate_file_new_name": "file_quarantined",
    "bdu_missing": "bdu_missing_in_sap",
    "bdu_short": "bdu_amount_mismatch",
}
# Required columns a defect may rename or blank, by file prefix.
REQUIRED_DATES = {
    "PA0001": "BEGDA",
    "PA0007": "BEGDA",
    "PA0000": "BEGDA",
    "PA2001": "BEGDA",
    "POSITIONS": "BEGDA",
    "PA0008": "BEGDA",
    "ORGCHART": "BEGDA",
    "CSKS": "DATAB",
    "FI_ITEMS": "BUDAT",
    "PAYMENTS": "ZALDT",
}
AMOUNTS = {"FI_ITEMS": "DMBTR", "PAYMENTS": "RWBTR", "PA0008": "ANSAL"}
TEXT_FIELDS = {"PA0002": "NACHN", "ORGCHART": "STEXT", "CSKS": "KTEXT", "LFA1": "NAME1", "FI_ITEMS": "SGTXT"}
KEY_FIELDS = {
    "PA0001": "PERNR",
    "PA0002": "PERNR",
    "PA0007": "PERNR",
    "PA0000": "PERNR",
    "PA2001": "PERNR",
    "POSITIONS": "PLANS",
    "PA0008": "PERNR",
    "ORGCHART": "PLANS",
    "CSKS": "KOSTL",
    "LFA1": "LIFNR",
    "FI_ITEMS": "BELNR",
    "PAYMENTS": "VBLNR",
    "BUDGET": "KOSTL",
    "contracts_register": "contract_ref",
    "care_payments": "payment_line_id",
    "pcard_transactions": "transaction_id",
    "contacts": "contact_id",
    "cdr": "call_id",
    "eforms": "submission_id",
}
BAD_BYTES = [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"]
FILE_KINDS = (
    "extra_column",
    "renamed_column",
    "zero_date",
    "trailing_minus",
    "bad_encoding",
    "duplicated_lines",
    "missing_trailer",
    "wrong_trailer",
    "truncated_last_line",
    "csv_title_row",
    "csv_renamed_column",
    "malformed_json",
    "empty_file",
)


def active_kinds(kinds: dict[str, bool] | None) -> set[str]:
    """None: all kinds. Any True: only the kinds switched on. Only False: all but those switched off."""
    if kinds is None:
        return set(DEFECT_KINDS)
    unknown = set(kinds) - set(DEFECT_KINDS) - {"person_variation"}
    if unknown:
        raise ValueError(f"unknown defect kinds: {sorted(unknown)}")
    named = {k: v for k, v in kinds.items() if k in DEFECT_KINDS}
    if any(named.values()):
        return {k for k, v in named.items() if v}
    return set(DEFECT_KINDS) - set(named)


class DefectPlan:
    def __init__(self, seed: int, rate: float, kinds: dict[str, bool] | None) -> None:
        self.seed = seed
        self.rate = float(rate)
        self.on = active_kinds(kinds) if rate > 0 else set()

    def hits(self, kind: str, prefix: str, day: np.datetime64) -> bool:
        if kind not in self.on:
            return False
        return bool(rng(self.seed, "defect", kind, prefix, day).random() < self.rate)

    def param_rng(self, kind: str, prefix: str, day: np.datetime64) -> np.random.Generator:
        return rng(self.seed, "defect-param", kind, prefix, day)

    def bdu_fate(self, batches: np.ndarray, monday: np.datetime64) -> np.ndarray:
        """ok, missing (never posted to SAP) or short (posted with a different total), per batch."""
        fate = np.full(len(batches), "ok", dtype=object)
        for i, b in enumerate(batches):
            for kind, name in (("bdu_missing", "missing"), ("bdu_short", "short")):
                if fate[i] == "ok" and self.hits(kind, "care_payments", str(b)):
                    fate[i] = name
        return fate

    def delivery(self, prefix: str, fmt: str, cadence: str, day: np.datetime64) -> dict[str, int]:
        """Delivery-level defects of one file: late_file lag, resend lag, duplicate under a new name."""
        out = {}
        if fmt == "ibc" and cadence == "daily" and self.hits("late_file", prefix, day):
            out["late_file"] = int(self.param_rng("late_file", prefix, day).integers(1, 6))
        elif prefix in AMOUNTS and self.hits("resent_with_corrections", prefix, day):
            out["resent_with_corrections"] = int(
                self.param_rng("resent_with_corrections", prefix, day).integers(1, 4)
            )
        if cadence in ("weekly", "monthly") and self.hits("duplicate_file_new_name", prefix, day):
            out["duplicate_file_new_name"] = 1
        return out


def _log(f: FileOut, kind: str, line: int | None, record: str | None) -> dict:
    return {
        "kind": kind,
        "feed": f.feed,
        "file": f.name,
        "line": line,
        "record": record,
        "expect": EXPECT[kind],
    }


def _insert(data: dict[str, np.ndarray], at: int, row: dict[str, object]) -> dict[str, np.ndarray]:
    return {k: np.insert(np.asarray(v, dtype=object), at, row[k]) for k, v in data.items()}


def damage(plan: DefectPlan, f: FileOut, prefix: str, day: np.datetime64) -> list[dict]:
    """Apply the file-level defects drawn for this file; returns the defect log entries."""
    hit = [k for k in FILE_KINDS if plan.hits(k, prefix, day)]
    if not hit:
        return []
    r = plan.param_rng("file", prefix, day)
    logs: list[dict] = []
    n = f.n_rows
    key = KEY_FIELDS.get(prefix)
    if "empty_file" in hit and prefix != "BUDGET":
        f.empty = True
        return [_log(f, "empty_file", None, None)]
    if f.fmt == "ibc":
        row_kinds = [k for k in ("zero_date", "trailing_minus", "bad_encoding") if k in hit]
        for kind in row_kinds:
            column = {"zero_date": REQUIRED_DATES, "trailing_minus": AMOUNTS, "bad_encoding": TEXT_FIELDS}[
                kind
            ]
            if prefix not in column or n == 0:
                continue
            i = int(r.integers(0, n))
            col = column[prefix]
            values = np.asarray(f.data[col], dtype=object).copy()
            if kind == "zero_date":
                values[i] = "00000000"
            elif kind == "trailing_minus":
                values[i] = f"{values[i]}-" if r.random() < 0.5 else f"-{values[i]}"
            else:
                text = str(values[i])
                values[i] = text[:1] + BAD_BYTE_MARK + text[1:]
                f.bad_bytes = BAD_BYTES[int(r.integers(0, len(BAD_BYTES)))]
            f.data[col] = values
            logs.append(_log(f, kind, i + 2, str(f.data[key][i]) if key else None))
        if "duplicated_lines" in hit and n:
            i = int(r.integers(0, n))
            row = {k: np.asarray(v, dtype=object)[i] for k, v in f.data.items()}
            f.data = _insert(f.data, i + 1, row)
            if f.cents is not None:
                f.cents = np.insert(f.cents, i + 1, f.cents[i])
            for entry in logs:
                if entry["line"] is not None and entry["line"] > i + 2:
                    entry["line"] += 1
            logs.append(_log(f, "duplicated_lines", i + 3, str(row[key]) if key else None))
        if "extra_column" in hit:
            f.columns = f.columns + ["ZZNEWFLD"]
            f.data["ZZNEWFLD"] = np.where(np.arange(f.n_rows) % 3 == 0, "A", "").astype(object)
            logs.append(_log(f, "extra_column", 1, None))
        if "renamed_column" in hit:
            target = f.columns.index(REQUIRED_DATES.get(prefix, key or f.columns[0]))
            f.header_names = list(f.columns)
            f.header_names[target] = f.columns[target] + "1"
            logs.append(_log(f, "renamed_column", 1, None))
        if "truncated_last_line" in hit and f.n_rows:
            f.trailer = "truncated"
            logs.append(_log(f, "truncated_last_line", f.n_rows + 1, None))
        elif "missing_trailer" in hit:
            f.trailer = "missing"
            logs.append(_log(f, "missing_trailer", None, None))
        elif "wrong_trailer" in hit:
            f.trailer = "wrong_total" if (f.cents is not None and r.random() < 0.5) else "wrong_count"
            logs.append(_log(f, "wrong_trailer", f.n_rows + 2, None))
    elif f.fmt in ("csv", "csv_bom"):
        if "csv_title_row" in hit:
            f.title = {
                "contracts_register": "Contracts Register - exported from the e-tendering portal",
                "care_payments": "Weekly provider payments schedule",
                "pcard_transactions": "Purchase card transactions - monthly statement export",
            }.get(prefix, f"{prefix} export")
            logs.append(_log(f, "csv_title_row", 1, None))
        if "csv_renamed_column" in hit:
            f.header_names = list(f.columns)
            target = f.columns.index(key) if key in f.columns else 0
            f.header_names[target] = f.columns[target].replace("_", " ").title()
            logs.append(_log(f, "csv_renamed_column", 2 if f.title else 1, None))
    elif f.fmt == "jsonl" and "malformed_json" in hit and n:
        i = int(r.integers(0, n))
        f.broken_line = i
        logs.append(_log(f, "malformed_json", i + 1, str(f.data[key][i]) if key else None))
    return logs
