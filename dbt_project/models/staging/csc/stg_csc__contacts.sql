-- CRM contacts: one row per contact_id (a contact delivered again is taken from the later file,
-- then the later line). created_at stays Europe/London wall time, as written. The customer's
-- details stay in restricted.stg_csc__contact_customers; only the postcode district comes here.
with contacts as (
    {{ latest_version(source('csc', 'csc_crm_contacts'), ['contact_id'], order_by=[]) }}
)

select
    contact_id,
    created_at as created_at_local,
    channel,
    call_id,
    service,
    reason,
    outcome,
    case_ref,
    agent_id,
    satisfaction,
    {{ postcode_district('postcode') }} as postcode_district
from contacts
