"""bi.benefits_realisation: one row per financial year and workstream; RAG is G, A or R."""

from expectations.table_rules import E, table_suite


def build():
    return table_suite(
        "benefits_realisation",
        columns=[
            "financial_year",
            "workstream",
            "planned_savings_gbp",
            "forecast_gbp",
            "delivered_savings_gbp",
            "variance_gbp",
            "rag",
            "rag_mismatch",
        ],
        keys=["financial_year", "workstream"],
        value_sets={"rag": ["G", "A", "R"]},
        extra=[E.ExpectColumnValuesToMatchRegex(column="financial_year", regex=r"^\d{4}/\d{2}$")],
    )
