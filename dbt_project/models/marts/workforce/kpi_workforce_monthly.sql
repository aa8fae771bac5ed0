-- Workforce KPIs by month and directorate (contracts/kpis.md, Workforce). Casuals are already
-- out of int_employee_months; every count is 0 and every rate NULL where there is nothing to
-- count; the 12-month measures are NULL until 12 month-ends of data exist.
with grid as (
    select
        months.month,
        months.month_number,
        directorates.directorate
    from {{ ref('int_reporting_months') }} as months
    cross join {{ ref('directorates') }} as directorates
),

working_days as (
    select
        month,
        count(*) as working_days
    from {{ ref('int_calendar') }}
    where is_working_day
    group by month
),

employee_months as (
    select * from {{ ref('int_employee_months') }}
),

month_end_staff as (
    select
        employee_months.month,
        employee_months.directorate,
        count(*) as headcount,
        sum(coalesce(employee_months.fte, 0)) as fte,
        -- decimal sums (exact, whatever order the rows are added in), divided once
        cast(
            sum(coalesce(employee_months.weekly_hours, 0) * working_days.working_days) as double precision
        ) / 5 as contracted_hours
    from employee_months
    inner join working_days on employee_months.month = working_days.month
    where employee_months.is_employed_at_month_end
    group by employee_months.month, employee_months.directorate
),

sickness as (
    select
        employee_months.month,
        employee_months.directorate,
        sum(sickness_months.sickness_days) as sickness_days,
        sum(sickness_months.sickness_hours) as sickness_hours
    from {{ ref('int_sickness_months') }} as sickness_months
    inner join employee_months
        on
            sickness_months.person_id = employee_months.person_id
            and sickness_months.month = employee_months.month
    group by employee_months.month, employee_months.directorate
),

movements as (
    select
        month,
        directorate,
        sum(case when movement = 'starter' then 1 else 0 end) as starters,
        sum(case when movement = 'leaver' then 1 else 0 end) as leavers
    from {{ ref('int_hr_movements') }}
    group by month, directorate
),

positions as (
    select
        month,
        directorate,
        sum(case when is_vacant then funded_fte else 0 end) as vacant_fte,
        sum(funded_fte) as funded_fte
    from {{ ref('int_position_months') }}
    group by month, directorate
),

agency as (
    select
        month,
        directorate,
        sum(amount_gbp) as agency_spend_gbp
    from {{ ref('fct_spend') }}
    where category = 'Agency staff'
    group by month, directorate
),

monthly as (
    select
        grid.month,
        grid.month_number,
        grid.directorate,
        coalesce(month_end_staff.headcount, 0) as headcount,
        coalesce(month_end_staff.fte, 0) as fte,
        coalesce(month_end_staff.contracted_hours, 0) as contracted_hours,
        coalesce(sickness.sickness_days, 0) as sickness_days,
        coalesce(sickness.sickness_hours, 0) as sickness_hours,
        coalesce(movements.starters, 0) as starters,
        coalesce(movements.leavers, 0) as leavers,
        positions.vacant_fte,
        positions.funded_fte,
        coalesce(agency.agency_spend_gbp, 0) as agency_spend_gbp
    from grid
    left join month_end_staff
        on grid.month = month_end_staff.month and grid.directorate = month_end_staff.directorate
    left join sickness
        on grid.month = sickness.month and grid.directorate = sickness.directorate
    left join movements
        on grid.month = movements.month and grid.directorate = movements.directorate
    left join positions
        on grid.month = positions.month and grid.directorate = positions.directorate
    left join agency
        on grid.month = agency.month and grid.directorate = agency.directorate
),

rolling as (
    select
        monthly.*,
        sum(monthly.sickness_days) over twelve_months as sickness_days_12m,
        avg(monthly.fte) over twelve_months as mean_fte_12m,
        sum(monthly.leavers) over twelve_months as leavers_12m,
        avg(cast(monthly.headcount as double precision)) over twelve_months as mean_headcount_12m
    from monthly
    window twelve_months as (
        partition by monthly.directorate order by monthly.month rows between 11 preceding and current row
    )
)

select
    rolling.month,
    rolling.directorate,
    cast(rolling.headcount as bigint) as headcount,
    cast(rolling.fte as double precision) as fte,
    cast(rolling.sickness_days as bigint) as sickness_days,
    case
        when rolling.month_number >= 12
            then {{ safe_rate('rolling.sickness_days_12m', 'rolling.mean_fte_12m') }}
    end as sickness_days_per_fte_12m,
    {{ safe_rate('rolling.sickness_hours', 'rolling.contracted_hours') }} as pct_hours_lost_sickness,
    cast(rolling.starters as bigint) as starters,
    cast(rolling.leavers as bigint) as leavers,
    case
        when rolling.month_number >= 12
            then {{ safe_rate('rolling.leavers_12m', 'rolling.mean_headcount_12m') }}
    end as turnover_rate_12m,
    {{ safe_rate('rolling.vacant_fte', 'rolling.funded_fte') }} as vacancy_rate,
    cast(rolling.agency_spend_gbp as decimal(18, 2)) as agency_spend_gbp,
    {{ completeness_columns() }}
from rolling
{{ join_completeness('rolling.month', 'kpi_workforce_monthly') }}
