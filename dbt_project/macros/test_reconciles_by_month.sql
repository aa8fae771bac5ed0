{#- Cross-layer reconciliation (contracts/kpis.md, Completeness, allocation and reconciliation):
    for each month the mart publishes (and each month of `to` inside the mart's window), the sum of
    `measure` over the mart's rows equals the sum of `to_measure` over the rows of `to` that match
    `to_where`. Fails with one row per month that differs, both totals shown. Exact: counts and
    decimal money add up exactly, so any difference is a lost or double-counted line. -#}
{% test reconciles_by_month(model, measure, to, to_measure, to_where='1 = 1') %}
with published as (
    select
        month,
        sum({{ measure }}) as published_total
    from {{ model }}
    group by month
),

published_window as (
    select
        min(month) as first_month,
        max(month) as last_month
    from published
),

source_totals as (
    select
        month,
        sum({{ to_measure }}) as source_total
    from {{ to }}
    where {{ to_where }}
    group by month
)

select
    coalesce(published.month, source_totals.month) as month,
    published.published_total,
    source_totals.source_total
from published
full outer join source_totals on published.month = source_totals.month
cross join published_window
where
    coalesce(published.month, source_totals.month)
    between published_window.first_month and published_window.last_month
    and coalesce(published.published_total, 0) <> coalesce(source_totals.source_total, 0)
{% endtest %}
