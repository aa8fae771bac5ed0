-- Each person's state in each reporting month (KPI dictionary, Workforce): everyone employed on
-- at least one day of the month, with the PA0001 record valid on their reference day - the last
-- day of the month, or their last day employed if that comes earlier (they left during the
-- month) - and the cost centre's directorate (CSKS) and contracted hours (PA0007) on that day.
-- Casuals (PERSG 3 on the reference day) are left out: they are excluded from every measure.
-- A person whose cost centre has no directorate that day counts under UNALLOCATED, like a money
-- line (docs/warehouse.md, UNALLOCATED): the workforce grid's totals keep every person.
with assignments as (
    select * from {{ ref('stg_ibc__hr_assignments') }}
),

months as (
    select
        month,
        month_end
    from {{ ref('int_reporting_months') }}
),

employed_in_month as (
    select
        months.month,
        months.month_end,
        assignments.person_id,
        least(months.month_end, max(assignments.valid_to)) as reference_date
    from months
    inner join assignments
        on
            months.month_end >= assignments.valid_from
            and months.month <= assignments.valid_to
    group by months.month, months.month_end, assignments.person_id
),

reference_assignment as (
    select
        employed_in_month.month,
        employed_in_month.month_end,
        employed_in_month.person_id,
        employed_in_month.reference_date,
        assignments.employee_group,
        assignments.cost_centre,
        row_number() over (
            partition by employed_in_month.person_id, employed_in_month.month
            order by assignments.valid_from desc
        ) as assignment_rank
    from employed_in_month
    inner join assignments
        on
            employed_in_month.person_id = assignments.person_id
            and employed_in_month.reference_date between assignments.valid_from and assignments.valid_to
),

with_directorate as (
    select
        reference_assignment.*,
        {{ directorate_or_unallocated('cost_centres.directorate') }} as directorate,
        row_number() over (
            partition by reference_assignment.person_id, reference_assignment.month
            order by cost_centres.valid_from desc
        ) as cost_centre_rank
    from reference_assignment
    left join {{ ref('stg_ibc__cost_centres') }} as cost_centres
        on
            reference_assignment.cost_centre = cost_centres.cost_centre
            and reference_assignment.reference_date between cost_centres.valid_from and cost_centres.valid_to
    where reference_assignment.assignment_rank = 1
),

with_hours as (
    select
        with_directorate.*,
        working_time.weekly_hours,
        row_number() over (
            partition by with_directorate.person_id, with_directorate.month
            order by working_time.valid_from desc
        ) as working_time_rank
    from with_directorate
    left join {{ ref('stg_ibc__working_time') }} as working_time
        on
            with_directorate.person_id = working_time.person_id
            and with_directorate.reference_date between working_time.valid_from and working_time.valid_to
    where with_directorate.cost_centre_rank = 1
)

select
    month,
    person_id,
    reference_date,
    reference_date = month_end as is_employed_at_month_end,
    employee_group,
    cost_centre,
    directorate,
    weekly_hours,
    -- A decimal, so that sums of it are exact and do not depend on the order DuckDB's threads add
    -- rows in (a double's sum can differ in its last bits from one build to the next).
    cast(cast(weekly_hours as double precision) / 37 as decimal(38, 18)) as fte
from with_hours
where
    working_time_rank = 1
    and employee_group is distinct from '3'
