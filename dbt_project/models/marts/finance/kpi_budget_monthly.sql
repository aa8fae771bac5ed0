-- Budget against actuals by month and directorate (contracts/kpis.md, kpi_budget_monthly).
-- Budget: the latest version of each fiscal year, period p being the p-th month from April, in
-- the directorate of the cost centre's CSKS record for that month (the one valid on its last day,
-- else the latest valid during it). Actuals: every FI line on GL 500000-899999 posted in the
-- month, signed, in the directorate of its cost centre on the posting date. A budget or actual
-- line without a directorate is reported under UNALLOCATED. The year-to-date sums run from April
-- (or the first published month) to the month.
with grid as (
    select
        months.month,
        months.month_end,
        months.financial_year,
        directorates.directorate
    from {{ ref('int_reporting_months') }} as months
    cross join {{ ref('directorates') }} as directorates
),

budget_lines as (
    select
        budget.cost_centre,
        budget.budget_gbp,
        cast(
            {{ dbt.dateadd(
                'month',
                'budget.fiscal_period - 1',
                dbt.date(dbt.safe_cast('budget.fiscal_year', api.Column.translate_type('integer')), 4, 1)
            ) }} as date
        ) as month
    from {{ ref('stg_ibc__budget') }} as budget
),

budget_months as (
    select distinct
        cost_centre,
        month
    from budget_lines
),

ranked_cost_centres as (
    select
        budget_months.cost_centre,
        budget_months.month,
        cost_centres.directorate,
        row_number() over (
            partition by budget_months.cost_centre, budget_months.month
            order by cost_centres.valid_from desc
        ) as cost_centre_rank
    from budget_months
    inner join {{ ref('stg_ibc__cost_centres') }} as cost_centres
        on
            budget_months.cost_centre = cost_centres.cost_centre
            and {{ month_end('budget_months.month') }} >= cost_centres.valid_from
            and budget_months.month <= cost_centres.valid_to
),

cost_centre_months as (
    select
        cost_centre,
        month,
        directorate
    from ranked_cost_centres
    where cost_centre_rank = 1
),

budget as (
    select
        budget_lines.month,
        {{ directorate_or_unallocated('cost_centre_months.directorate') }} as directorate,
        sum(budget_lines.budget_gbp) as budget_gbp
    from budget_lines
    left join cost_centre_months
        on
            budget_lines.cost_centre = cost_centre_months.cost_centre
            and budget_lines.month = cost_centre_months.month
    group by budget_lines.month, {{ directorate_or_unallocated('cost_centre_months.directorate') }}
),

actual as (
    select
        posting_month as month,
        directorate,
        sum(amount_gbp) as actual_gbp
    from {{ ref('int_fi_lines') }}
    where gl_account_number between 500000 and 899999
    group by posting_month, directorate
),

monthly as (
    select
        grid.month,
        grid.financial_year,
        grid.directorate,
        coalesce(budget.budget_gbp, 0) as budget_gbp,
        coalesce(actual.actual_gbp, 0) as actual_gbp
    from grid
    left join budget on grid.month = budget.month and grid.directorate = budget.directorate
    left join actual on grid.month = actual.month and grid.directorate = actual.directorate
)

select
    monthly.month,
    monthly.directorate,
    cast(monthly.budget_gbp as decimal(18, 2)) as budget_gbp,
    cast(monthly.actual_gbp as decimal(18, 2)) as actual_gbp,
    cast(monthly.actual_gbp - monthly.budget_gbp as decimal(18, 2)) as variance_gbp,
    cast(sum(monthly.budget_gbp) over year_to_date as decimal(18, 2)) as budget_ytd_gbp,
    cast(sum(monthly.actual_gbp) over year_to_date as decimal(18, 2)) as actual_ytd_gbp,
    cast(
        sum(monthly.actual_gbp - monthly.budget_gbp) over year_to_date as decimal(18, 2)
    ) as variance_ytd_gbp,
    {{ completeness_columns() }}
from monthly
{{ join_completeness('monthly.month', 'kpi_budget_monthly') }}
window year_to_date as (
    partition by monthly.directorate, monthly.financial_year order by monthly.month
    rows between unbounded preceding and current row
)
