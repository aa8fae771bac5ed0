-- Staff in post at each 31 March snapshot with their full-time-equivalent basic salary (contracts/
-- kpis.md, Statutory outputs): a person is in post when a PA0001 record of employee group 1
-- (permanent), 2 (fixed term) or 4 (apprentice) is valid that day (casuals, group 3, are not);
-- their salary is ANSAL of the PA0008 record valid that day (the latest valid_from where records
-- overlap), NULL when they have none; their gender is PA0002's GESCH.
with assignments as (
    select
        snapshot_dates.snapshot_date,
        assignments.person_id,
        assignments.employee_group,
        assignments.position_id,
        row_number() over (
            partition by snapshot_dates.snapshot_date, assignments.person_id
            order by assignments.valid_from desc
        ) as assignment_rank
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ ref('stg_ibc__hr_assignments') }} as assignments
        on snapshot_dates.snapshot_date between assignments.valid_from and assignments.valid_to
),

pay as (
    select
        snapshot_dates.snapshot_date,
        pay.person_id,
        pay.pay_grade,
        pay.annual_salary_gbp,
        row_number() over (
            partition by snapshot_dates.snapshot_date, pay.person_id
            order by pay.valid_from desc
        ) as pay_rank
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ ref('stg_ibc__basic_pay') }} as pay
        on snapshot_dates.snapshot_date between pay.valid_from and pay.valid_to
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
        and pay.pay_rank = 1
left join {{ ref('stg_ibc__staff_gender') }} as gender
    on assignments.person_id = gender.person_id
where assignments.assignment_rank = 1 and assignments.employee_group in ('1', '2', '4')
