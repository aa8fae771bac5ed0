"""Landing bookkeeping: strangers, copies, re-sends, late files, re-runs, and where every file ends."""

import os

import duckdb
from ingestion_files import FI_HEADER, checks, landing, report, write_csv, write_sap

from ingestion import FEEDS, staging, zone
from ingestion.care import CARE_PAYMENTS
from ingestion.ibc_hr import PA0000, PA0001
from ingestion.landing import ingest_feed
from ingestion.procurement import CARD_TRANSACTIONS
from ingestion.register import latest_loaded_files as register_files

HR = "ibc/hr"
PA0001_HEADER = "PERNR|BEGDA|ENDDA|PERSG|KOSTL|ORGEH|PLANS|STELL|AEDTM"
PA0001_ROWS = [
    "00000001|20200101|99991231|1|0000100001|00000010|00000100|00001000|20200101",
    "00000002|20190301|99991231|2|0000100002|00000010|00000101|00001000|20190301",
]
PA0000_HEADER = "PERNR|BEGDA|MASSN|MASSG|AEDTM"


def pa0000(home, day: str, rows: list[str]):
    return write_sap(home, HR, f"PA0000_{day}.txt", [PA0000_HEADER, *rows])


def register(con) -> list[tuple]:
    return con.execute(
        "select file_name, version, status, check_failed from ops.file_register "
        "order by processed_at, file_name"
    ).fetchall()


def findings(con) -> list[tuple]:
    return con.execute(
        "select file_name, version, check_name, severity from ops.ingestion_findings order by 1, 2, 3"
    ).fetchall()


def test_a_file_matching_no_feed_is_quarantined_with_a_report(tmp_path, con):
    folder = landing(tmp_path, HR)
    (folder / "PA0001_2025-01-01.txt").write_text("x")
    (folder / "PA0001_20251341.txt").write_text("x")
    (folder / "'; drop table raw.ibc_pa0001; --.txt").write_text("x")
    result = ingest_feed(con, tmp_path, PA0001)
    assert sorted((f.file_name, f.check_failed) for f in result.files) == [
        ("'; drop table raw.ibc_pa0001; --.txt", "unknown_file"),
        ("PA0001_2025-01-01.txt", "unknown_file"),
        ("PA0001_20251341.txt", "unknown_file"),
    ]
    assert "not a calendar date" in checks(tmp_path, HR, "PA0001_20251341.txt")["unknown_file"]["message"]
    expected = checks(tmp_path, HR, "PA0001_2025-01-01.txt")["unknown_file"]["message"]
    assert "PA0001_<date>.txt" in expected and "PA2001_<date>.txt" in expected
    assert report(tmp_path, HR, "PA0001_2025-01-01.txt")["table"] is None
    assert (tmp_path / "quarantine" / HR / "'; drop table raw.ibc_pa0001; --.txt").exists()
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 0


def test_only_the_folders_first_feed_judges_strangers(tmp_path, con):
    (landing(tmp_path, HR) / "notes.txt").write_text("x")
    assert ingest_feed(con, tmp_path, PA0000).files == []
    assert [f.check_failed for f in ingest_feed(con, tmp_path, PA0001).files] == ["unknown_file"]


def test_part_files_hidden_files_and_folders_are_left_alone(tmp_path, con):
    folder = landing(tmp_path, HR)
    (folder / "PA0001_20250101.txt.part").write_text("being written")
    (folder / ".PA0001_20250101.txt.swp").write_text("x")
    (folder / "sub").mkdir()
    assert ingest_feed(con, tmp_path, PA0001).files == []
    assert sorted(p.name for p in folder.iterdir()) == [
        ".PA0001_20250101.txt.swp",
        "PA0001_20250101.txt.part",
        "sub",
    ]


def test_a_link_is_never_followed(tmp_path, con):
    secret = tmp_path / "outside.txt"
    secret.write_text("secret")
    os.symlink(secret, landing(tmp_path, HR) / "PA0001_20250101.txt")
    result = ingest_feed(con, tmp_path, PA0001)
    assert [f.check_failed for f in result.files] == ["not_a_regular_file"]
    assert (tmp_path / "quarantine" / HR / "PA0001_20250101.txt").is_symlink()
    assert secret.read_text() == "secret"


def test_a_copy_of_a_delta_file_under_a_new_name_is_a_duplicate(tmp_path, con):
    rows = ["00000001|20250101|01||20250101"]
    pa0000(tmp_path, "20250101", rows)
    ingest_feed(con, tmp_path, PA0000)
    pa0000(tmp_path, "20250102", rows)
    result = ingest_feed(con, tmp_path, PA0000)
    assert [(f.status, f.check_failed) for f in result.files] == [("quarantined", "duplicate_file")]
    assert "PA0000_20250101.txt" in checks(tmp_path, HR, "PA0000_20250102.txt")["duplicate_file"]["message"]
    assert con.execute("select count(*) from raw.ibc_pa0000").fetchone()[0] == 1


def test_a_copy_in_the_same_batch_is_a_duplicate_too(tmp_path, con):
    header = [c.name for c in CARE_PAYMENTS.columns]
    row = ["PL1", "P1", "Acme", "", "C1", "Nursing", "ADULTS", "2025-04-07", "2025-04-13", "7", "night"]
    row += ["160", "1120", "B1"]
    write_csv(tmp_path, "care/payments", "care_payments_20250407.csv", header, [row])
    write_csv(tmp_path, "care/payments", "care_payments_20250408.csv", header, [row])
    result = ingest_feed(con, tmp_path, CARE_PAYMENTS)
    assert [(f.file_name, f.status) for f in result.files] == [
        ("care_payments_20250407.csv", "loaded"),
        ("care_payments_20250408.csv", "quarantined"),
    ]


def test_quiet_days_are_alike_but_never_duplicates(tmp_path, con):
    pa0000(tmp_path, "20250104", [])
    pa0000(tmp_path, "20250105", [])
    result = ingest_feed(con, tmp_path, PA0000)
    assert [f.status for f in result.files] == ["loaded", "loaded"]


def test_an_unchanged_snapshot_next_month_loads_but_a_second_one_in_the_month_is_a_duplicate(tmp_path, con):
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS])
    write_sap(tmp_path, HR, "PA0001_20250201.txt", [PA0001_HEADER, *PA0001_ROWS])
    write_sap(tmp_path, HR, "PA0001_20250202.txt", [PA0001_HEADER, *PA0001_ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.file_name, f.status, f.check_failed) for f in result.files] == [
        ("PA0001_20250101.txt", "loaded", None),
        ("PA0001_20250201.txt", "loaded", None),
        ("PA0001_20250202.txt", "quarantined", "duplicate_file"),
    ]


def test_a_resend_is_a_new_version_and_the_old_copy_is_kept_aside(tmp_path, con):
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS])
    ingest_feed(con, tmp_path, PA0001)
    v1 = (tmp_path / "archive" / HR / "PA0001_20250101.txt").read_bytes()
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, PA0001_ROWS[0]])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.status, f.warnings) for f in result.files] == [("loaded", ("new_version",))]
    assert con.execute("select count(*), max(_row_number) from raw.ibc_pa0001").fetchone() == (1, 2)
    assert register(con) == [
        ("PA0001_20250101.txt", 1, "loaded", None),
        ("PA0001_20250101.txt", 2, "loaded", None),
    ]
    superseded = list((tmp_path / "archive" / HR / "superseded").glob("v1-*/PA0001_20250101.txt"))
    assert [p.read_bytes() for p in superseded] == [v1]
    top = [p.name for p in (tmp_path / "archive" / HR).iterdir() if p.is_file()]
    assert top == ["PA0001_20250101.txt"]  # a rebuild from the top level loads only the latest version
    assert zone.archived_files(tmp_path, PA0001) == [tmp_path / "archive" / HR / "PA0001_20250101.txt"]
    rejection = report(tmp_path, HR, "PA0001_20250101.txt")
    assert (rejection["version"], rejection["outcome"]) == (2, "loaded_with_warnings")
    assert rejection["findings"][0]["check"] == "new_version"


def test_a_corrected_resend_of_a_quarantined_file_loads_and_sets_the_refused_copy_aside(tmp_path, con):
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS], trailer=None)
    ingest_feed(con, tmp_path, PA0001)
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.status, f.rows_loaded) for f in result.files] == [("loaded", 2)]
    quarantine = tmp_path / "quarantine" / HR
    assert [p.name for p in quarantine.iterdir() if p.is_file()] == ["PA0001_20250101.txt.rejection.json"]
    aside = sorted(p.name for p in quarantine.glob("superseded/v1-*/*"))
    assert aside == ["PA0001_20250101.txt", "PA0001_20250101.txt.rejection.json"]


def test_a_late_file_loads_with_a_warning(tmp_path, con):
    pa0000(tmp_path, "20250103", ["00000001|20250103|01||20250103"])
    ingest_feed(con, tmp_path, PA0000)
    pa0000(tmp_path, "20250101", ["00000002|20250101|01||20250101"])
    result = ingest_feed(con, tmp_path, PA0000)
    assert [(f.status, f.warnings) for f in result.files] == [("loaded", ("late_arrival",))]
    assert "2025-01-03" in checks(tmp_path, HR, "PA0000_20250101.txt")["late_arrival"]["message"]
    assert findings(con) == [("PA0000_20250101.txt", 1, "late_arrival", "warning")]


def test_files_of_one_batch_are_judged_in_order_of_arrival(tmp_path, con):
    later = pa0000(tmp_path, "20250103", ["00000001|20250103|01||20250103"])
    earlier = pa0000(tmp_path, "20250101", ["00000002|20250101|01||20250101"])
    os.utime(later, ns=(1_000_000_000, 1_000_000_000))
    os.utime(earlier, ns=(2_000_000_000, 2_000_000_000))
    result = ingest_feed(con, tmp_path, PA0000)
    assert [(f.file_name, f.warnings) for f in result.files] == [
        ("PA0000_20250103.txt", ()),
        ("PA0000_20250101.txt", ("late_arrival",)),
    ]


def test_findings_table_holds_one_row_per_check_of_each_file(tmp_path, con):
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER + "|ZZ", PA0001_ROWS[0] + "|A"])
    write_sap(tmp_path, HR, "PA0001_20250201.txt", [PA0001_HEADER, *PA0001_ROWS], trailer=None)
    ingest_feed(con, tmp_path, PA0001)
    assert findings(con) == [
        ("PA0001_20250101.txt", 1, "extra_column", "warning"),
        ("PA0001_20250201.txt", 1, "missing_trailer", "error"),
    ]


def test_ingesting_again_changes_nothing(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS, PA0001_ROWS[0]])
    write_sap(tmp_path, HR, "PA0001_20250201.txt", [PA0001_HEADER, *PA0001_ROWS], trailer=None)
    line = "1000|0100000001|2025|001|KR|20250401|20250402|20250402|540100|0000100001||10.00|S|||X|text"
    write_sap(tmp_path, "ibc/finance", "FI_ITEMS_20250402.txt", [FI_HEADER, line], trailer="TRL|1|10.00")

    def snapshot() -> list:
        with duckdb.connect(str(db)) as c:
            for spec in FEEDS:
                ingest_feed(c, tmp_path, spec)
            tables = [
                "raw.ibc_pa0001",
                "raw.ibc_fi_items",
                "ops.quarantined_rows",
                "(select * exclude (processed_at) from ops.file_register)",
            ]
            state = [
                c.execute(f"select count(*), sum(hash(columns(* exclude (_loaded_at)))) from {t}").fetchall()
                if t.startswith("raw")
                else c.execute(f"select count(*) from {t}").fetchall()
                for t in tables
            ]
        files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file() and p != db)
        return [state, files]

    first = snapshot()
    for path in (tmp_path / "archive").rglob("*.txt"):  # the same bytes delivered again
        target = tmp_path / "landing" / path.relative_to(tmp_path / "archive")
        target.write_bytes(path.read_bytes())
    assert snapshot() == first
    assert snapshot() == first


def test_of_files_delivered_together_the_older_dated_one_is_late(tmp_path, con):
    pa0000(tmp_path, "20250102", ["00000001|20250102|01||20250102"])
    ingest_feed(con, tmp_path, PA0000)
    earlier = pa0000(tmp_path, "20250101", ["00000002|20250101|01||20250101"])
    later = pa0000(tmp_path, "20250103", ["00000003|20250103|01||20250103"])
    for path in (earlier, later):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = ingest_feed(con, tmp_path, PA0000)
    assert [(f.file_name, f.warnings) for f in result.files] == [
        ("PA0000_20250103.txt", ()),
        ("PA0000_20250101.txt", ("late_arrival",)),
    ]


def test_a_file_is_late_even_when_the_later_files_were_refused(tmp_path, con):
    write_sap(tmp_path, HR, "PA0000_20250103.txt", [PA0000_HEADER], trailer=None)
    ingest_feed(con, tmp_path, PA0000)
    pa0000(tmp_path, "20250102", [])
    result = ingest_feed(con, tmp_path, PA0000)
    assert [(f.status, f.warnings) for f in result.files] == [("loaded", ("late_arrival",))]


def test_a_file_duckdb_cannot_parse_is_refused_alone(tmp_path, con, monkeypatch):
    stage_sap = staging.STAGERS["sap"]

    def choking(tables, files, spec, work_dir):
        if "PA0001_20250201.txt" in files:
            raise duckdb.InvalidInputException("Malformed input near 'Jane Example'")
        return stage_sap(tables, files, spec, work_dir)

    monkeypatch.setitem(staging.STAGERS, "sap", choking)
    write_sap(tmp_path, HR, "PA0001_20250101.txt", [PA0001_HEADER, *PA0001_ROWS])
    write_sap(tmp_path, HR, "PA0001_20250201.txt", [PA0001_HEADER, *PA0001_ROWS])
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.file_name, f.status, f.check_failed) for f in result.files] == [
        ("PA0001_20250101.txt", "loaded", None),
        ("PA0001_20250201.txt", "quarantined", "unreadable"),
    ]
    assert "Jane" not in (tmp_path / "quarantine" / HR / "PA0001_20250201.txt.rejection.json").read_text()


CARDS = "procurement/cards"
CARD_FILE = "pcard_transactions_202504.csv"
CARD_HEADER = [c.name for c in CARD_TRANSACTIONS.columns]


def card_rows(n: int, amount: str = "12.50") -> list[list[str]]:
    """n card transactions of April 2025, ids T1..Tn (no personal values: the cardholder is blank)."""
    return [
        [f"T{i}", "03/04/2025", "04/04/2025", "", "0000100001", "Stationers Ltd", "5111", "Stationery",
         amount, "2.08", ""]
        for i in range(1, n + 1)
    ]  # fmt: skip


def card_ids(con) -> list[str]:
    rows = con.execute("select transaction_id from raw.procurement_card_transactions order by 1")
    return [r[0] for r in rows.fetchall()]


def test_a_resend_without_a_trailer_that_loses_keys_is_refused_and_the_loaded_version_stays(tmp_path, con):
    write_csv(tmp_path, CARDS, CARD_FILE, CARD_HEADER, card_rows(5))
    ingest_feed(con, tmp_path, CARD_TRANSACTIONS)
    cut = write_csv(tmp_path, CARDS, CARD_FILE, CARD_HEADER, card_rows(5))
    text = cut.read_text()
    cut.write_text(text[: text.index('"T4"') + 10])  # cut inside the fourth record's date
    result = ingest_feed(con, tmp_path, CARD_TRANSACTIONS)
    assert [(f.status, f.check_failed) for f in result.files] == [("quarantined", "records_lost")]
    assert card_ids(con) == ["T1", "T2", "T3", "T4", "T5"]
    assert register(con) == [(CARD_FILE, 1, "loaded", None), (CARD_FILE, 2, "quarantined", "records_lost")]
    message = con.execute("select message from ops.file_register where version = 2").fetchone()[0]
    assert message.startswith(f"{CARDS} file {CARD_FILE}, version 2: 2 transaction_id value(s)")
    assert "version 1 stays loaded" in message
    found = checks(tmp_path, CARDS, CARD_FILE)
    assert found["records_lost"]["rows_affected"] == 2
    # Review finding F5: the refused version replaces nothing; it names the version that stays.
    assert "replaces nothing: version 1" in found["new_version"]["message"]
    assert "superseded" not in found["new_version"]["message"]
    assert [p.name for p in (tmp_path / "archive" / CARDS).iterdir() if p.is_file()] == [CARD_FILE]
    assert [(f["name"], f["rows"]) for f in register_files(con)] == [(CARD_FILE, 5)]


def test_a_corrected_resend_keeping_every_key_loads_as_a_new_version(tmp_path, con):
    write_csv(tmp_path, CARDS, CARD_FILE, CARD_HEADER, card_rows(3))
    ingest_feed(con, tmp_path, CARD_TRANSACTIONS)
    write_csv(tmp_path, CARDS, CARD_FILE, CARD_HEADER, card_rows(4, amount="13.75"))
    result = ingest_feed(con, tmp_path, CARD_TRANSACTIONS)
    assert [(f.status, f.warnings) for f in result.files] == [("loaded", ("new_version",))]
    amounts = con.execute("select distinct amount_gbp::varchar from raw.procurement_card_transactions")
    assert amounts.fetchall() == [("13.7500",)]
    assert card_ids(con) == ["T1", "T2", "T3", "T4"]


def test_a_first_delivery_cut_mid_record_refuses_only_the_cut_record(tmp_path, con):
    for n, cut_at in ((1, '"Statio'), (2, '"5111"')):  # inside a quoted value; between two fields
        name = f"pcard_transactions_20250{n}.csv"
        path = write_csv(tmp_path, CARDS, name, CARD_HEADER, card_rows(2))
        text = path.read_text()
        path.write_text(text[: text.rindex(cut_at) + len(cut_at)])
    result = ingest_feed(con, tmp_path, CARD_TRANSACTIONS)
    assert [(f.rows_loaded, f.rows_quarantined) for f in result.files] == [(1, 1), (1, 1)]
    refused = con.execute("select distinct source_file, row_number, check_name from ops.quarantined_rows")
    assert sorted(refused.fetchall()) == [
        ("pcard_transactions_202501.csv", 3, "malformed_csv"),
        ("pcard_transactions_202502.csv", 3, "field_count"),
    ]
