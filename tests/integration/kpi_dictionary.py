"""The KPI columns of the KPI dictionary's tables (contracts/kpis.md), as it names them: what the
release's dictionary.csv must describe with a unit and a definition."""

COMPLETENESS = ("missing_source_days", "is_complete")
KPI_COLUMNS = {
    "kpi_csc_monthly": (
        "contacts",
        "contacts_phone",
        "contacts_email",
        "contacts_webchat",
        "contacts_web_form",
        "contacts_face_to_face",
        "contacts_other",
        "digital_share",
        "calls_offered",
        "calls_answered",
        "calls_abandoned",
        "abandonment_rate",
        "service_level_20s",
        "avg_speed_of_answer_s",
        "avg_handling_time_s",
        "first_contact_resolution_rate",
        "avoidable_contact_rate",
        "repeat_contact_rate_7d",
        "cost_to_serve_gbp",
        "satisfaction_avg",
        *COMPLETENESS,
    ),
    "kpi_digital_monthly": ("forms_started", "forms_completed", "completion_rate", *COMPLETENESS),
    "kpi_workforce_monthly": (
        "headcount",
        "fte",
        "sickness_days",
        "sickness_days_per_fte_12m",
        "pct_hours_lost_sickness",
        "starters",
        "leavers",
        "turnover_rate_12m",
        "vacancy_rate",
        "agency_spend_gbp",
        *COMPLETENESS,
    ),
    "kpi_spend_monthly": (
        "spend_gbp",
        "on_contract_gbp",
        "off_contract_gbp",
        "non_contract_gbp",
        "pct_on_contract",
        "sme_gbp",
        "vcse_gbp",
        "local_gbp",
        *COMPLETENESS,
    ),
    "kpi_payment_performance_monthly": (
        "invoices_paid",
        "avg_days_to_pay",
        "pct_paid_within_30_days",
        "pct_paid_31_60_days",
        "pct_paid_61_plus_days",
        *COMPLETENESS,
    ),
    "kpi_budget_monthly": (
        "budget_gbp",
        "actual_gbp",
        "variance_gbp",
        "budget_ytd_gbp",
        "actual_ytd_gbp",
        "variance_ytd_gbp",
        *COMPLETENESS,
    ),
    "contract_pipeline": ("months_to_expiry", "has_successor", "expiring_without_successor"),
    "care_bdu_reconciliation": ("care_total_gbp", "sap_total_gbp", "difference_gbp", "status"),
    "benefits_realisation": (
        "planned_savings_gbp",
        "forecast_gbp",
        "delivered_savings_gbp",
        "variance_gbp",
        "rag",
        "rag_mismatch",
    ),
}
# Rates and ratios: their numerator and denominator are named too.
RATIOS = {
    c
    for columns in KPI_COLUMNS.values()
    for c in columns
    if c.endswith(("_rate", "_share", "_rate_12m", "_12m", "_fte_12m")) or c.startswith("pct_")
}
