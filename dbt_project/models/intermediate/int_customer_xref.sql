-- The resolved customer of each source record, from identity resolution (the single customer
-- view issue), in the agreed shape restricted.customer_xref(source_system, source_record_id,
-- customer_key, match_probability) with source_system 'crm' (source_record_id = contact_id) or
-- 'telephony' (call_id). Until that table exists this is an empty relation of the same shape;
-- when it lands, the select below becomes one line reading source('restricted', 'customer_xref')
-- and fct_contacts and kpi_csc_monthly (repeat_contact_rate_7d) pick the keys up unchanged.
select
    cast(null as {{ dbt.type_string() }}) as source_system,
    cast(null as {{ dbt.type_string() }}) as source_record_id,
    cast(null as {{ dbt.type_string() }}) as customer_key,
    cast(null as double precision) as match_probability
where 1 = 0
