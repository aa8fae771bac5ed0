-- SGTXT line texts of FI documents. Restricted: typed by staff, they can name a person.
with fi_items as (
    {{ latest_version(source('ibc', 'ibc_fi_items'), ['bukrs', 'belnr', 'gjahr', 'buzei'], order_by=[]) }}
)

select
    bukrs as company_code,
    belnr as document_number,
    gjahr as fiscal_year,
    buzei as line_item,
    sgtxt as line_text
from fi_items
