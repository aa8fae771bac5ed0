-- The Procurement Act 2023 payments compliance notice (Procurement Regulations 2024 reg. 38;
-- contracts/kpis.md, payments_compliance_notice): per six-month period (1 April - 30 September,
-- 1 October - 31 March) and scope, the invoices paid in the period with their mean days to pay
-- and payment bands, and the invoices that became payable in the period with the share of them
-- not paid by its end. A period is published once it has ended by the reporting date and only
-- when the reporting window holds all of it (period start on or after first_date): a period the
-- warehouse saw only part of would understate both counts (docs/statutory.md). Counts of
-- invoices are not counts of people: no suppression.
-- Completeness, as a KPI mart carries it: missing_source_days counts the (feed, day) pairs of the
-- daily FI_ITEMS and PAYMENTS files with no file loaded, over the days whose invoices can count in
-- the period (from 30 days before its start: an invoice received then becomes payable in it, to its
-- end); unknown_invoices_paid counts the invoices paid in the period that FI_ITEMS does not hold
-- (received before the warehouse's first file, or in a missing file): they cannot be judged and are
-- in no figure. is_complete is both zero.
with reporting_window as (
    select
        first_date,
        reporting_date
    from {{ ref('int_reporting_date') }}
),

periods as (
    select
        months.month as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 6, 'months.month')) }} as date) as period_end
    from {{ ref('int_reporting_months') }} as months
    where extract(month from months.month) in (4, 10)
),

published_periods as (
    select
        periods.period_start,
        periods.period_end
    from periods
    cross join reporting_window
    where
        periods.period_start >= reporting_window.first_date
        and periods.period_end <= reporting_window.reporting_date
),

scoped_invoices as (
    select
        'all_invoices' as scope,
        payable_date,
        payment_date,
        days_to_pay
    from {{ ref('int_invoice_payment_terms') }}
    union all
    select
        'public_contracts' as scope,
        payable_date,
        payment_date,
        days_to_pay
    from {{ ref('int_invoice_payment_terms') }}
    where is_under_public_contract
),

payment_feeds as (
    select 'ibc_fi_items' as table_name
    union all
    select 'ibc_payments' as table_name
),

source_days as (
    select
        published_periods.period_start,
        payment_feeds.table_name,
        calendar.date_day as day
    from published_periods
    inner join {{ ref('int_calendar') }} as calendar
        on
            calendar.date_day between
            cast({{ dbt.dateadd('day', -30, 'published_periods.period_start') }} as date)
            and published_periods.period_end
    cross join payment_feeds
),

missing_days as (
    select
        source_days.period_start,
        count(*) as missing_source_days
    from source_days
    left join {{ ref('int_loaded_feed_days') }} as loaded
        on source_days.table_name = loaded.table_name and source_days.day = loaded.day
    where loaded.day is null
    group by source_days.period_start
),

documents as (
    select distinct
        company_code,
        document_number,
        fiscal_year
    from {{ ref('int_fi_lines') }}
),

paid_documents as (
    select
        company_code,
        document_number,
        fiscal_year,
        min(payment_date) as payment_date
    from {{ ref('stg_ibc__payments') }}
    group by company_code, document_number, fiscal_year
),

unknown_invoices as (
    select
        published_periods.period_start,
        count(*) as unknown_invoices_paid
    from published_periods
    inner join paid_documents
        on paid_documents.payment_date between published_periods.period_start and published_periods.period_end
    left join documents
        on
            paid_documents.company_code = documents.company_code
            and paid_documents.document_number = documents.document_number
            and paid_documents.fiscal_year = documents.fiscal_year
    where documents.document_number is null
    group by published_periods.period_start
),

scopes as (
    select 'public_contracts' as scope
    union all
    select 'all_invoices' as scope
),

grid as (
    select
        published_periods.period_start,
        published_periods.period_end,
        scopes.scope
    from published_periods
    cross join scopes
),

paid as (
    select
        grid.period_start,
        grid.scope,
        count(*) as invoices_paid,
        avg(cast(invoices.days_to_pay as double precision)) as avg_days_to_pay,
        sum(case when invoices.days_to_pay <= 30 then 1 else 0 end) as paid_1_30_days,
        sum(case when invoices.days_to_pay between 31 and 60 then 1 else 0 end) as paid_31_60_days,
        sum(case when invoices.days_to_pay > 60 then 1 else 0 end) as paid_61_plus_days
    from grid
    inner join scoped_invoices as invoices
        on
            grid.scope = invoices.scope
            and invoices.payment_date between grid.period_start and grid.period_end
    group by grid.period_start, grid.scope
),

payable as (
    select
        grid.period_start,
        grid.scope,
        count(*) as invoices_payable,
        sum(
            case
                when invoices.payment_date is null or invoices.payment_date > grid.period_end then 1
                else 0
            end
        ) as payable_not_paid
    from grid
    inner join scoped_invoices as invoices
        on
            grid.scope = invoices.scope
            and invoices.payable_date between grid.period_start and grid.period_end
    group by grid.period_start, grid.scope
)

select
    grid.period_start,
    grid.period_end,
    grid.scope,
    cast(coalesce(paid.invoices_paid, 0) as bigint) as invoices_paid,
    paid.avg_days_to_pay,
    {{ safe_rate('paid.paid_1_30_days', 'paid.invoices_paid') }} as pct_paid_1_30_days,
    {{ safe_rate('paid.paid_31_60_days', 'paid.invoices_paid') }} as pct_paid_31_60_days,
    {{ safe_rate('paid.paid_61_plus_days', 'paid.invoices_paid') }} as pct_paid_61_plus_days,
    cast(coalesce(payable.invoices_payable, 0) as bigint) as invoices_payable,
    {{ safe_rate('payable.payable_not_paid', 'payable.invoices_payable') }} as pct_payable_not_paid_in_period,
    cast(coalesce(unknown_invoices.unknown_invoices_paid, 0) as bigint) as unknown_invoices_paid,
    cast(coalesce(missing_days.missing_source_days, 0) as integer) as missing_source_days,
    coalesce(missing_days.missing_source_days, 0) = 0
    and coalesce(unknown_invoices.unknown_invoices_paid, 0) = 0 as is_complete
from grid
left join paid on grid.period_start = paid.period_start and grid.scope = paid.scope
left join payable on grid.period_start = payable.period_start and grid.scope = payable.scope
left join missing_days on grid.period_start = missing_days.period_start
left join unknown_invoices on grid.period_start = unknown_invoices.period_start
