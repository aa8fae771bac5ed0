-- Payment performance by month of payment and directorate (contracts/kpis.md,
-- kpi_payment_performance_monthly): invoices_paid is 0 and the rates and mean NULL in a month
-- with no invoice paid.
with grid as (
    select
        months.month,
        directorates.directorate
    from {{ ref('int_reporting_months') }} as months
    cross join {{ ref('directorates') }} as directorates
),

paid as (
    select
        month,
        directorate,
        count(*) as invoices_paid,
        avg(cast(days_to_pay as double precision)) as avg_days_to_pay,
        sum(case when payment_band = '0-30' then 1 else 0 end) as paid_within_30_days,
        sum(case when payment_band = '31-60' then 1 else 0 end) as paid_31_60_days,
        sum(case when payment_band = '61+' then 1 else 0 end) as paid_61_plus_days
    from {{ ref('fct_payments') }}
    group by month, directorate
)

select
    grid.month,
    grid.directorate,
    cast(coalesce(paid.invoices_paid, 0) as bigint) as invoices_paid,
    paid.avg_days_to_pay,
    {{ safe_rate('paid.paid_within_30_days', 'paid.invoices_paid') }} as pct_paid_within_30_days,
    {{ safe_rate('paid.paid_31_60_days', 'paid.invoices_paid') }} as pct_paid_31_60_days,
    {{ safe_rate('paid.paid_61_plus_days', 'paid.invoices_paid') }} as pct_paid_61_plus_days,
    {{ completeness_columns() }}
from grid
left join paid
    on grid.month = paid.month and grid.directorate = paid.directorate
{{ join_completeness('grid.month', 'kpi_payment_performance_monthly') }}
