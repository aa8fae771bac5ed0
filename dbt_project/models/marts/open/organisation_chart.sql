-- The organisation chart of the top three tiers (Local Government Transparency Code 2015;
-- contracts/kpis.md, organisation_chart) at each 31 March snapshot: the chief executive's
-- position, the positions reporting to it and those reporting to them (int_position_snapshots),
-- with title, reporting line, directorate, salary band and whether vacant. No names.
select
    positions.snapshot_date,
    positions.position_id as position,
    positions.job_title,
    positions.reports_to_job_title as reports_to,
    directorates.directorate_name as directorate,
    {{ salary_band('positions.annual_salary_gbp') }} as salary_band,
    case when positions.is_vacant then 'Y' else 'N' end as vacant
from {{ ref('int_position_snapshots') }} as positions
left join {{ ref('directorates') }} as directorates on positions.directorate = directorates.directorate
where positions.tier <= 3
