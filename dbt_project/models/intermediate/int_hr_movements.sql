-- Starters (hires, MASSN 01, by the month of BEGDA) and leavers (MASSN 10 except TUPE out,
-- MASSG 06, by the month of their last day of service, the day before the action's BEGDA), with
-- the person's directorate for that month (int_employee_months, which also leaves casuals out).
with actions as (
    select * from {{ ref('stg_ibc__personnel_actions') }}
),

movements as (
    select
        person_id,
        'starter' as movement,
        action_date as event_date
    from actions
    where action_type = '01'
    union all
    select
        person_id,
        'leaver' as movement,
        cast({{ dbt.dateadd('day', -1, 'action_date') }} as date) as event_date
    from actions
    where action_type = '10' and action_reason is distinct from '06'
)

select
    movements.person_id,
    movements.movement,
    movements.event_date,
    employee_months.month,
    employee_months.directorate
from movements
inner join {{ ref('int_employee_months') }} as employee_months
    on
        movements.person_id = employee_months.person_id
        and {{ month_start('movements.event_date') }} = employee_months.month
