-- Senior salaries (Local Government Transparency Code 2015; contracts/kpis.md, senior_salaries):
-- at each 31 March snapshot, every filled or vacant position whose FTE basic salary is £50,000 or
-- more (a vacant position: its last holder's, int_position_snapshots), by job title and
-- directorate, in £5,000 bands, with the position's funded FTE and the title it reports to. The
-- holder's name only where the code requires it: a filled position at £150,000 and over. This is
-- the one published model that reads a restricted one, for those names alone (declared in its
-- meta, docs/statutory.md).
with positions as (
    select * from {{ ref('int_position_snapshots') }}
    where annual_salary_gbp >= 50000
),

names as (
    select
        person_id,
        forename || ' ' || surname as full_name
    from {{ ref('stg_ibc__staff_personal_data') }}
)

select
    positions.snapshot_date,
    positions.position_id,
    positions.job_title,
    directorates.directorate_name as directorate,
    {{ salary_band('positions.annual_salary_gbp') }} as salary_band,
    cast(positions.funded_fte as decimal(4, 2)) as fte,
    case when positions.annual_salary_gbp >= 150000 then names.full_name end as name,
    positions.reports_to_job_title as reports_to,
    case when positions.is_vacant then 'Y' else 'N' end as vacant
from positions
left join names on positions.holder_person_id = names.person_id
left join {{ ref('directorates') }} as directorates on positions.directorate = directorates.directorate
