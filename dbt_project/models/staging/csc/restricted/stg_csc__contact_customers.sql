-- The customer details typed on each CRM contact, for identity resolution only. Restricted.
with contacts as (
    {{ latest_version(source('csc', 'csc_crm_contacts'), ['contact_id'], order_by=[]) }}
)

select
    contact_id,
    created_at as created_at_local,
    service,
    customer_title,
    customer_first_name,
    customer_last_name,
    customer_dob,
    customer_email,
    customer_phone,
    address_line1,
    postcode,
    uprn
from contacts
