-- The cardholder (a member of staff's PERNR) and the free text they typed for each purchase card
-- transaction, which can name a resident or hold an email address. Restricted: nothing in `bi`
-- selects from it (docs/governance.md, Purchase cards).
with transactions as (
    {{ latest_version(
        source('procurement', 'procurement_card_transactions'), ['transaction_id'], order_by=[]
    ) }}
)

select
    transaction_id,
    cardholder_pernr,
    description
from transactions
