-- Care provider payment lines: one row per payment_line_id (a line delivered again is taken from
-- the later file, then the later line). The client and the provider's name stay in
-- restricted.stg_care__payment_people.
with payments as (
    {{ latest_version(source('care', 'care_payments'), ['payment_line_id'], order_by=[]) }}
)

select
    payment_line_id,
    provider_ref,
    lifnr as vendor_id,
    service_type,
    directorate,
    period_start,
    period_end,
    units,
    unit,
    unit_rate,
    amount_gbp,
    bdu_batch_id
from payments
