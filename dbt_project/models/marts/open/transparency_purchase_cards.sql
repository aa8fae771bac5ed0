-- Local Government Transparency Code 2015, purchase card transactions (contracts/kpis.md,
-- transparency_purchase_cards): one row per card transaction with the code's columns. Department
-- is the directorate of the transaction's cost centre on the day of the purchase; Purpose is the
-- merchant category's description, never the cardholder's free text (it can name a resident); the
-- cardholder is never published. The publish step writes one CSV per quarter whose three monthly
-- statements are loaded (publication/transparency.py).
with transactions as (
    select * from {{ ref('int_card_transactions') }}
)

select
    transactions.transaction_id,
    transactions.transaction_date,
    transactions.statement_month,
    transactions.statement_quarter,
    organisation.directorate_name as department,
    transactions.merchant_name as beneficiary,
    cast(transactions.net_amount_gbp as decimal(18, 2)) as amount,
    cast(0 as decimal(18, 2)) as irrecoverable_vat,
    transactions.merchant_category as purpose,
    {{ dbt.concat(['transactions.merchant_category_code', "' '", 'transactions.merchant_category']) }}
        as merchant_category
from transactions
left join {{ ref('dim_organisation') }} as organisation
    on
        transactions.cost_centre = organisation.cost_centre
        and transactions.transaction_date between organisation.valid_from and organisation.valid_to
