-- Workforce KPIs by month and directorate (contracts/kpis.md, Workforce).
with months as (
    select month from {{ ref('int_reporting_months') }}
),

directorates as (
    select directorate from {{ ref('directorates') }}
),

headcount as (
    select
        month,
        directorate,
        count(distinct person_id) as headcount
    from {{ ref('int_employees_at_month_end') }}
    group by month, directorate
)

select
    months.month,
    directorates.directorate,
    cast(coalesce(headcount.headcount, 0) as bigint) as headcount
from months
cross join directorates
left join headcount
    on
        months.month = headcount.month
        and directorates.directorate = headcount.directorate
