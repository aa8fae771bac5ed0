-- The person each care payment line is for (client_ref) and the provider's name, which names a
-- person for individual providers (foster carers, direct payment recipients). Restricted.
with payments as (
    {{ latest_version(source('care', 'care_payments'), ['payment_line_id'], order_by=[]) }}
)

select
    payment_line_id,
    client_ref,
    provider_name
from payments
