-- Payment run lines: one row per BUKRS + VBLNR + BELNR + GJAHR (a re-delivered line is kept once,
-- from the later file).
with payments as (
    {{ latest_version(source('ibc', 'ibc_payments'), ['bukrs', 'vblnr', 'belnr', 'gjahr'], order_by=[]) }}
)

select
    laufd as run_date,
    bukrs as company_code,
    vblnr as payment_document,
    lifnr as vendor_id,
    belnr as document_number,
    gjahr as fiscal_year,
    zaldt as payment_date,
    rwbtr as amount_paid_gbp,
    rzawe as payment_method
from payments
