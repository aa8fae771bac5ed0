-- One row per paid vendor invoice (KR), in the month of its payment date, with days to pay and
-- the Procurement Act 2023 payment band.
select
    company_code,
    document_number,
    fiscal_year,
    supplier_id,
    directorate,
    received_date,
    posting_date,
    payment_date,
    {{ month_start('payment_date') }} as month,
    {{ financial_year_label('payment_date') }} as financial_year,
    days_to_pay,
    case
        when days_to_pay <= 30 then '0-30'
        when days_to_pay <= 60 then '31-60'
        else '61+'
    end as payment_band,
    cast(invoice_net_gbp as decimal(18, 2)) as invoice_net_gbp,
    cast(amount_paid_gbp as decimal(18, 2)) as amount_paid_gbp
from {{ ref('int_invoice_payments') }}
