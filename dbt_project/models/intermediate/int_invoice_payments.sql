{{ config(materialized='view') }}
-- Vendor invoices (BLART KR) matched to the payment runs that paid them (BUKRS + BELNR + GJAHR):
-- the payment date is the earliest ZALDT, days to pay = payment date - CPUDT (the day the
-- invoice was received), and the invoice's directorate is that of the cost centre (on BUDAT) of
-- its expense line with the lowest BUZEI (UNALLOCATED without one). Invoices not yet paid are
-- left out; payment lines for documents not (yet) loaded from FI_ITEMS cannot be judged and are
-- left out too.
with invoice_lines as (
    select * from {{ ref('int_fi_lines') }}
    where document_type = 'KR'
),

invoices as (
    select
        company_code,
        document_number,
        fiscal_year,
        min(supplier_id) as supplier_id,
        min(entry_date) as received_date,
        min(posting_date) as posting_date,
        sum(case when is_expense_line then amount_gbp else 0 end) as invoice_net_gbp
    from invoice_lines
    group by company_code, document_number, fiscal_year
),

first_expense_line as (
    select
        company_code,
        document_number,
        fiscal_year,
        directorate
    from (
        select
            company_code,
            document_number,
            fiscal_year,
            directorate,
            row_number() over (
                partition by company_code, document_number, fiscal_year
                order by line_number, line_item
            ) as expense_line_rank
        from invoice_lines
        where is_expense_line
    ) as expense_lines
    where expense_line_rank = 1
),

payments as (
    select
        company_code,
        document_number,
        fiscal_year,
        min(payment_date) as payment_date,
        sum(amount_paid_gbp) as amount_paid_gbp
    from {{ ref('stg_ibc__payments') }}
    group by company_code, document_number, fiscal_year
)

select
    invoices.company_code,
    invoices.document_number,
    invoices.fiscal_year,
    invoices.supplier_id,
    {{ directorate_or_unallocated('first_expense_line.directorate') }} as directorate,
    invoices.received_date,
    invoices.posting_date,
    payments.payment_date,
    cast({{ dbt.datediff('invoices.received_date', 'payments.payment_date', 'day') | trim }} as integer)
        as days_to_pay,
    invoices.invoice_net_gbp,
    payments.amount_paid_gbp
from invoices
inner join payments
    on
        invoices.company_code = payments.company_code
        and invoices.document_number = payments.document_number
        and invoices.fiscal_year = payments.fiscal_year
left join first_expense_line
    on
        invoices.company_code = first_expense_line.company_code
        and invoices.document_number = first_expense_line.document_number
        and invoices.fiscal_year = first_expense_line.fiscal_year
