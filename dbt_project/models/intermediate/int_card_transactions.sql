-- Purchase card transactions with their net amount and the calendar quarter of the statement that
-- carried them: a card statement's month decides its quarter (a purchase on 30 June posted on
-- 2 July is in July's statement, so in July - September), so each quarter's transactions are final
-- once its three monthly statements are loaded (docs/statutory.md, Purchase cards).
with transactions as (
    select * from {{ ref('stg_procurement__card_transactions') }}
)

select
    transaction_id,
    transaction_date,
    posting_date,
    statement_month,
    cast({{ dbt.date_trunc('quarter', 'statement_month') }} as date) as statement_quarter,
    cost_centre,
    merchant_name,
    merchant_category_code,
    merchant_category,
    gross_amount_gbp,
    vat_gbp,
    gross_amount_gbp - vat_gbp as net_amount_gbp
from transactions
