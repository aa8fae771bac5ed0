-- FI document lines. Postings are never changed (corrections are new documents), so a line key
-- seen twice is a re-delivery: the copy from the later file (then the later line) is kept.
-- SGTXT (free text that can name a person) stays in restricted.stg_ibc__fi_item_texts.
with fi_items as (
    {{ latest_version(source('ibc', 'ibc_fi_items'), ['bukrs', 'belnr', 'gjahr', 'buzei'], order_by=[]) }}
)

select
    bukrs as company_code,
    belnr as document_number,
    gjahr as fiscal_year,
    buzei as line_item,
    blart as document_type,
    bldat as document_date,
    budat as posting_date,
    cpudt as entry_date,
    hkont as gl_account,
    kostl as cost_centre,
    lifnr as vendor_id,
    dmbtr as amount_unsigned,
    shkzg as debit_credit,
    {{ sap_signed_amount('dmbtr', 'shkzg') }} as amount_gbp,
    ebeln as purchase_order,
    zcontract as contract_ref,
    xblnr as reference
from fi_items
