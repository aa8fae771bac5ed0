-- The named owner of each workstream and year in the latest benefits tracker. Restricted.
with tracker as (
    {{ latest_snapshot(source('programme', 'programme_benefits_tracker')) }}
)

select
    trim(workstream) as workstream,
    trim(financial_year) as financial_year,
    owner
from tracker
