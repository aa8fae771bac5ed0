"""bi.dim_date: one row per day; financial period, ISO week and day of week in range."""

from expectations.table_rules import E, table_suite


def build():
    return table_suite(
        "dim_date",
        columns=["date_day", "month", "financial_year", "financial_period", "iso_week", "is_bank_holiday"],
        keys=["date_day"],
        not_null=["month", "financial_year", "financial_period", "iso_week", "is_bank_holiday"],
        min_rows=365,
        extra=[
            E.ExpectColumnValuesToBeBetween(column="financial_period", min_value=1, max_value=12),
            E.ExpectColumnValuesToBeBetween(column="iso_week", min_value=1, max_value=53),
            E.ExpectColumnValuesToMatchRegex(column="financial_year", regex=r"^\d{4}/\d{2}$"),
        ],
    )
