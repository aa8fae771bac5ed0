-- Transformation benefits by financial year and workstream from the latest tracker
-- (contracts/kpis.md, benefits_realisation). A blank money cell counts as 0. rag is computed
-- from delivered / planned: G >= 95 %, A 75-95 %, R < 75 %; NULL when nothing was planned.
-- rag_mismatch compares it with the tracker's own rag_reported (NULL when either is missing).
with tracker as (
    select
        financial_year,
        workstream,
        sum(coalesce(planned_gbp, 0)) as planned_gbp,
        sum(coalesce(forecast_gbp, 0)) as forecast_gbp,
        sum(coalesce(delivered_gbp, 0)) as delivered_gbp,
        max(rag_reported) as rag_reported
    from {{ ref('stg_programme__benefits') }}
    group by financial_year, workstream
),

rated as (
    select
        *,
        case
            when planned_gbp = 0 then null
            when delivered_gbp >= 0.95 * planned_gbp then 'G'
            when delivered_gbp >= 0.75 * planned_gbp then 'A'
            else 'R'
        end as rag
    from tracker
)

select
    financial_year,
    workstream,
    cast(planned_gbp as decimal(18, 2)) as planned_savings_gbp,
    cast(forecast_gbp as decimal(18, 2)) as forecast_gbp,
    cast(delivered_gbp as decimal(18, 2)) as delivered_savings_gbp,
    cast(delivered_gbp - planned_gbp as decimal(18, 2)) as variance_gbp,
    rag,
    case when rag is null or rag_reported is null then null else rag <> rag_reported end as rag_mismatch
from rated
