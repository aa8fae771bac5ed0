-- Every funded position valid at each 31 March snapshot with its place in the position tree and
-- its salary (contracts/kpis.md, Statutory outputs; docs/statutory.md):
-- - title and reporting line from the ORGCHART record valid that day; tier 1 is the position that
--   reports to none (the chief executive), tier 2 reports to a tier 1, tier 3 to a tier 2, the
--   rest NULL;
-- - directorate of the position's cost centre that day (int_position_months, the one definition),
--   vacancy and funded FTE from POSITIONS;
-- - a filled position's holder is the person whose PA0001 record names it that day (the lowest
--   PERNR should two share it) and its salary the holder's FTE basic salary that day; a vacant
--   position's salary is its last holder's on their last day in it (a position never held in the
--   warehouse's history has none).
with snapshot_positions as (
    select
        snapshot_dates.snapshot_date,
        positions.position_id,
        positions.directorate,
        positions.funded_fte,
        positions.is_vacant
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ ref('int_position_months') }} as positions
        on positions.month = cast({{ dbt.date_trunc('month', 'snapshot_dates.snapshot_date') }} as date)
),

chart as (
    {{ valid_on_snapshot_dates(
        ref('stg_ibc__org_chart'), 'position_id', ['job_title', 'reports_to_position_id']
    ) }}
),

tree as (
    select
        chart.snapshot_date,
        chart.position_id,
        chart.job_title,
        chart.reports_to_position_id,
        boss.job_title as reports_to_job_title,
        case
            when chart.reports_to_position_id is null then 1
            when boss.reports_to_position_id is null then 2
            when grand_boss.reports_to_position_id is null then 3
        end as tier
    from chart
    left join chart as boss
        on
            chart.snapshot_date = boss.snapshot_date
            and chart.reports_to_position_id = boss.position_id
    left join chart as grand_boss
        on
            boss.snapshot_date = grand_boss.snapshot_date
            and boss.reports_to_position_id = grand_boss.position_id
),

holders as (
    select
        snapshot_dates.snapshot_date,
        assignments.position_id,
        assignments.person_id,
        row_number() over (
            partition by snapshot_dates.snapshot_date, assignments.position_id
            order by assignments.person_id
        ) as holder_rank
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ ref('stg_ibc__hr_assignments') }} as assignments
        on snapshot_dates.snapshot_date between assignments.valid_from and assignments.valid_to
),

last_holders as (
    select
        snapshot_dates.snapshot_date,
        assignments.position_id,
        assignments.person_id,
        assignments.valid_to as last_day,
        row_number() over (
            partition by snapshot_dates.snapshot_date, assignments.position_id
            order by assignments.valid_to desc, assignments.person_id asc
        ) as holder_rank
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ ref('stg_ibc__hr_assignments') }} as assignments
        on snapshot_dates.snapshot_date > assignments.valid_to
),

position_pay as (
    select
        snapshot_positions.snapshot_date,
        snapshot_positions.position_id,
        holders.person_id as holder_person_id,
        coalesce(holders.person_id, last_holders.person_id) as paid_person_id,
        coalesce(
            case when holders.person_id is not null then snapshot_positions.snapshot_date end,
            last_holders.last_day
        ) as paid_on
    from snapshot_positions
    left join holders
        on
            snapshot_positions.snapshot_date = holders.snapshot_date
            and snapshot_positions.position_id = holders.position_id
            and holders.holder_rank = 1
            and not snapshot_positions.is_vacant
    left join last_holders
        on
            snapshot_positions.snapshot_date = last_holders.snapshot_date
            and snapshot_positions.position_id = last_holders.position_id
            and last_holders.holder_rank = 1
            and snapshot_positions.is_vacant
),

salaries as (
    select
        position_pay.snapshot_date,
        position_pay.position_id,
        pay.annual_salary_gbp,
        row_number() over (
            partition by position_pay.snapshot_date, position_pay.position_id order by pay.valid_from desc
        ) as pay_rank
    from position_pay
    inner join {{ ref('stg_ibc__basic_pay') }} as pay
        on
            position_pay.paid_person_id = pay.person_id
            and position_pay.paid_on between pay.valid_from and pay.valid_to
)

select
    snapshot_positions.snapshot_date,
    snapshot_positions.position_id,
    tree.job_title,
    tree.reports_to_position_id,
    tree.reports_to_job_title,
    tree.tier,
    snapshot_positions.directorate,
    snapshot_positions.funded_fte,
    snapshot_positions.is_vacant,
    position_pay.holder_person_id,
    salaries.annual_salary_gbp
from snapshot_positions
left join tree
    on
        snapshot_positions.snapshot_date = tree.snapshot_date
        and snapshot_positions.position_id = tree.position_id
inner join position_pay
    on
        snapshot_positions.snapshot_date = position_pay.snapshot_date
        and snapshot_positions.position_id = position_pay.position_id
left join salaries
    on
        snapshot_positions.snapshot_date = salaries.snapshot_date
        and snapshot_positions.position_id = salaries.position_id
        and salaries.pay_rank = 1
