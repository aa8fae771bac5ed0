-- Staff in post at each 31 March snapshot with their full-time-equivalent basic salary (contracts/
-- kpis.md, Statutory outputs): a person is in post when a PA0001 record of employee group 1
-- (permanent), 2 (fixed term) or 4 (apprentice) is valid that day (casuals, group 3, are not);
-- their salary is ANSAL of the PA0008 record valid that day (the latest valid_from where records
-- overlap, macros/pay_snapshots.sql), NULL when they have none; their gender is PA0002's GESCH.
with assignments as (
    {{ valid_on_snapshot_dates(
        ref('stg_ibc__hr_assignments'), 'person_id', ['employee_group', 'position_id']
    ) }}
),

pay as (
    {{ valid_on_snapshot_dates(ref('stg_ibc__basic_pay'), 'person_id', ['pay_grade', 'annual_salary_gbp']) }}
)

select
    assignments.snapshot_date,
    assignments.person_id,
    assignments.position_id,
    assignments.employee_group,
    pay.pay_grade,
    pay.annual_salary_gbp,
    gender.gender
from assignments
left join pay
    on
        assignments.snapshot_date = pay.snapshot_date
        and assignments.person_id = pay.person_id
left join {{ ref('stg_ibc__staff_gender') }} as gender
    on assignments.person_id = gender.person_id
where assignments.employee_group in ('1', '2', '4')
