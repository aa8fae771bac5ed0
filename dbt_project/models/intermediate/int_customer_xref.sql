{{ config(materialized='view') }}
-- The resolved customer of each source record, from identity resolution (the single customer
-- view: restricted.customer_xref, source_system 'crm' with source_record_id = contact_id,
-- 'eforms' with submission_id, or a service person index). fct_contacts and the repeat-contact
-- rate read customers through this one model, so a change of the identity output is one line here.
select
    source_system,
    source_record_id,
    customer_key,
    match_probability
from {{ source('identity', 'customer_xref') }}
