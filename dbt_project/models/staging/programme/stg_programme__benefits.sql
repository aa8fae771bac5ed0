-- The benefits tracker from the latest monthly workbook, without the total rows people keep in
-- it (a workstream named `Total...`). The owner (a named officer) stays in
-- restricted.stg_programme__benefit_owners.
with tracker as (
    {{ latest_snapshot(source('programme', 'programme_benefits_tracker')) }}
)

select
    trim(workstream) as workstream,
    trim(financial_year) as financial_year,
    planned_gbp,
    forecast_gbp,
    delivered_gbp,
    rag_reported
from tracker
where lower(trim(workstream)) not like 'total%'
