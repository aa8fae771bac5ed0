-- Purchase card transactions: one row per transaction_id (a transaction delivered again is taken
-- from the later file, then the later line), with the month of the statement file that carried it
-- (pcard_transactions_YYYYMM.csv). The cardholder and the free-text description are personal data
-- and stay in restricted.stg_procurement__card_texts.
with transactions as (
    {{ latest_version(
        source('procurement', 'procurement_card_transactions'), ['transaction_id'], order_by=[]
    ) }}
)

select
    transaction_id,
    transaction_date,
    posting_date,
    cast(strptime(regexp_extract(_source_file, '_(\d{6})\.csv$', 1), '%Y%m') as date) as statement_month,
    kostl as cost_centre,
    merchant_name,
    mcc as merchant_category_code,
    mcc_description as merchant_category,
    amount_gbp as gross_amount_gbp,
    coalesce(vat_gbp, 0) as vat_gbp
from transactions
