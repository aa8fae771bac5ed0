-- Each person employed on the last day of each reporting month (casuals excluded), with the
-- directorate of the cost centre their assignment sits in on that day.
with assignments as (
    select * from {{ ref('stg_ibc__hr_assignments') }}
    where employee_group <> '3'
),

cost_centres as (
    select * from {{ ref('stg_ibc__cost_centres') }}
),

months as (
    select * from {{ ref('int_reporting_months') }}
)

select
    months.month,
    assignments.person_id,
    assignments.employee_group,
    assignments.cost_centre,
    cost_centres.directorate
from months
inner join assignments
    on months.month_end between assignments.valid_from and assignments.valid_to
left join cost_centres
    on
        assignments.cost_centre = cost_centres.cost_centre
        and months.month_end between cost_centres.valid_from and cost_centres.valid_to
