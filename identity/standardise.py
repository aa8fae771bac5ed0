"""Standardise person fields so that the same fact written two ways compares equal.

Written as DuckDB macros so that standardisation runs inside the database at full speed on a
million records, and the same rules serve every source. `register` installs them (and the
nickname table) on a connection; records.py applies them.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import duckdb

NICKNAMES_CSV = Path(__file__).with_name("nicknames.csv")

MACROS = r"""
-- Names: lower case, accents folded, letters only ("O'Brien" = "obrien", "Zoë" = "zoe").
create or replace temp macro id_name(x) as
    nullif(regexp_replace(lower(strip_accents(trim(x))), '[^a-z]', '', 'g'), '');

-- Display form of a name: trimmed, inner spaces collapsed, NULL when blank.
create or replace temp macro id_display(x) as nullif(regexp_replace(trim(x), '\s+', ' ', 'g'), '');

-- Postcodes: upper case, spaces removed, validated, then written "OX4 1AB"; invalid = NULL.
create or replace temp macro id_postcode_compact(x) as regexp_replace(upper(x), '[^A-Z0-9]', '', 'g');
create or replace temp macro id_postcode(x) as
    case when regexp_full_match(id_postcode_compact(x), '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
         then left(id_postcode_compact(x), length(id_postcode_compact(x)) - 3) || ' '
              || right(id_postcode_compact(x), 3) end;
create or replace temp macro id_postcode_district(pc) as split_part(pc, ' ', 1);
create or replace temp macro id_postcode_sector(pc) as left(pc, length(pc) - 2);

-- UPRN: digits only, no leading zeros, at most 12 digits (the national maximum).
create or replace temp macro id_uprn(x) as
    case when regexp_full_match(trim(x), '0*[0-9]{1,12}') then nullif(ltrim(trim(x), '0'), '') end;

-- Email: trimmed, lower case, and shaped like an address.
create or replace temp macro id_email(x) as
    case when regexp_full_match(lower(trim(x)), '[^@\s]+@[^@\s]+\.[^@\s]+') then lower(trim(x)) end;

-- Phone: UK national format 0XXXXXXXXXX from any of +44 / 0044 / 44 / 0 prefixes.
create or replace temp macro id_phone_digits(x) as regexp_replace(x, '[^0-9]', '', 'g');
create or replace temp macro id_phone(x) as
    case when regexp_full_match(id_phone_digits(x), '0044[1-9][0-9]{9}') then '0' || id_phone_digits(x)[5:]
         when regexp_full_match(id_phone_digits(x), '44[1-9][0-9]{9}') then '0' || id_phone_digits(x)[3:]
         when regexp_full_match(id_phone_digits(x), '0[1-9][0-9]{9}') then id_phone_digits(x)
         when regexp_full_match(id_phone_digits(x), '[1-9][0-9]{9}') then '0' || id_phone_digits(x) end;

-- NHS number: ten digits once spaces and dashes are removed.
create or replace temp macro id_nhs_number(x) as
    case when regexp_full_match(regexp_replace(x, '[\s-]', '', 'g'), '[0-9]{10}')
         then regexp_replace(x, '[\s-]', '', 'g') end;

-- Date of birth: plausible dates only (not before 1900, not in the future).
create or replace temp macro id_dob(d) as
    case when d >= date '1900-01-01' and d <= current_date then d end;

-- Address line: lower case, punctuation to spaces, spaces collapsed.
create or replace temp macro id_address(x) as
    nullif(trim(regexp_replace(regexp_replace(lower(strip_accents(x)), '[^a-z0-9]', ' ', 'g'),
                               '\s+', ' ', 'g')), '');
"""


def first_names_agree(name_l: str, name_r: str, forms_l: str, forms_r: str) -> str:
    """SQL: the two first names may belong to one person.

    Equal, nickname-related (the lists of names they may stand for intersect), one the initial
    of the other, close in spelling (Jaro-Winkler >= 0.88), or one unknown.
    """
    return (
        f"({name_l} is null or {name_r} is null or list_has_any({forms_l}, {forms_r})"
        f" or jaro_winkler_similarity({name_l}, {name_r}) >= 0.88"
        f" or (length({name_l}) = 1 and starts_with({name_r}, {name_l}))"
        f" or (length({name_r}) = 1 and starts_with({name_l}, {name_r})))"
    )


def nicknames() -> list[tuple[str, str, bool]]:
    """(nickname, formal name, in the shipped table): the shipped table and the published dataset.

    The shipped table (`identity/nicknames.csv`) holds British forms the dataset lacks (Gill,
    Kath); the `nicknames` package's dataset (about 2,700 hand-curated relations of English
    names) holds the many a hand-written table forgets (Peggy, Dot, Jackie, Ray). Names are
    lower-case letters; the dataset's initials ("k.c.") are left out.
    """
    with NICKNAMES_CSV.open(newline="", encoding="utf-8") as handle:
        shipped = {(row["nickname"], row["formal_name"]) for row in csv.DictReader(handle)}
    with (files("nicknames") / "names.csv").open(newline="", encoding="utf-8") as handle:
        published = {
            (nickname.lower(), formal.lower())
            for formal, relation, nickname in csv.reader(handle)
            if relation == "has_nickname" and nickname.isalpha() and formal.isalpha()
        }
    return sorted((nick, formal, (nick, formal) in shipped) for nick, formal in shipped | published)


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Install the standardisation macros only (temp objects): subject access compares phone numbers
    with the rules identity resolution uses."""
    con.execute(MACROS)


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Install the standardisation macros and `identity_name_forms` on this connection (temp objects).

    `identity_name_forms(name, forms, first_name_key)`: for each nickname, the names it can stand
    for (itself included) and the key used to block on first names: its first formal name in the
    shipped table (Bob is keyed Robert, not Bert, which the dataset also lists); itself when it is
    a formal name of the shipped table (the dataset also calls Robert a nickname of Bob: Robert
    stays Robert's key, so Bob and Robert share one); else its first formal name in the dataset.
    """
    register_macros(con)
    con.execute(
        """create or replace temp table identity_nicknames
           (nickname varchar, formal_name varchar, shipped boolean)"""
    )
    con.executemany("insert into identity_nicknames values (id_name(?), id_name(?), ?)", nicknames())
    con.execute(
        """create or replace temp table identity_name_forms as
           select nickname as name, list_sort(list_distinct(list(formal_name) || [nickname])) as forms,
                  coalesce(
                      min(formal_name) filter (where shipped),
                      case when nickname in (select formal_name from identity_nicknames where shipped)
                           then nickname end,
                      min(formal_name)
                  ) as first_name_key
           from identity_nicknames group by nickname"""
    )
