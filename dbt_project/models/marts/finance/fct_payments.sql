{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['company_code', 'document_number', 'fiscal_year'],
    on_schema_change='fail',
    pre_hook="{{ incremental_reset() }}",
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {'events': ['ibc_fi_items', 'ibc_payments'], 'references': ['ibc_csks']}},
) }}
-- depends_on: {{ source('ibc', 'ibc_fi_items') }}
-- depends_on: {{ source('ibc', 'ibc_payments') }}
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
-- the alias is the incremental filter's (below); a full build does not use it
from {{ ref('int_invoice_payments') }} as invoice_payments  -- noqa: AL05
{%- if incremental_is_partial() %}
-- Incremental: the invoices delivered, or paid by payment lines delivered, in the window's files.
where
    {{ fi_document_in_window('ibc', 'ibc_fi_items', 'invoice_payments') }}
    or {{ fi_document_in_window('ibc', 'ibc_payments', 'invoice_payments') }}
{%- endif %}
