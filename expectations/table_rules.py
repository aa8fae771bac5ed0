"""Building blocks of the suites of published tables: the contract's columns, keys, rates, counts.

One helper serves every table; each suite module (`suites/<table>.py`) states only what is
particular to its table. Imported by suite modules only, which the runner imports when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import great_expectations as gx

E = gx.expectations

DIRECTORATES = ["ADULTS", "CHILDRENS", "PUBHEALTH", "ENVPLACE", "FIRE", "RESOURCES", "CUSTCULT"]
EXPENSE_TYPES = [
    "Employees",
    "Agency staff",
    "Premises",
    "Transport",
    "Supplies and services",
    "Third-party payments",
    "Transfer payments",
    "Unclassified expenditure",
]
CHANNELS = ["Phone", "Email", "Webchat", "Web form", "Face to face", "Social media", "Letter"]
# Outward code only (`OX4`, `OX10`): a full postcode is personal data.
POSTCODE_DISTRICT = r"^[A-Z]{1,2}[0-9][0-9A-Z]?$"


def table_suite(
    name: str,
    *,
    columns: Sequence[str],
    keys: Sequence[str],
    nullable_keys: Sequence[str] = (),
    not_null: Sequence[str] = (),
    rates: Sequence[str] = (),
    non_negative: Sequence[str] = (),
    value_sets: Mapping[str, Sequence] | None = None,
    min_rows: int = 0,
    extra: Sequence = (),
) -> gx.ExpectationSuite:
    """A published table's suite.

    columns: the columns the contracts name (others may exist); keys: the grain, unique and not
    null (but `nullable_keys`); rates: KPI dictionary rates, in [0, 1] or NULL; non_negative:
    counts and durations.
    """
    expectations = [E.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False)]
    if min_rows:
        expectations.append(E.ExpectTableRowCountToBeBetween(min_value=min_rows))
    if len(keys) == 1:
        expectations.append(E.ExpectColumnValuesToBeUnique(column=keys[0]))
    else:
        expectations.append(E.ExpectCompoundColumnsToBeUnique(column_list=list(keys)))
    for column in dict.fromkeys([*(k for k in keys if k not in nullable_keys), *not_null]):
        expectations.append(E.ExpectColumnValuesToNotBeNull(column=column))
    for column in rates:
        expectations.append(E.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1))
    for column in non_negative:
        expectations.append(E.ExpectColumnValuesToBeBetween(column=column, min_value=0))
    for column, values in (value_sets or {}).items():
        expectations.append(E.ExpectColumnValuesToBeInSet(column=column, value_set=list(values)))
    return gx.ExpectationSuite(name=name, expectations=[*expectations, *extra])
