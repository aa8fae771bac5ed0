{#- The contact models' stale rows (docs/warehouse.md, "Incremental models"): besides the CRM and
    telephony files of the window, a contact's rows depend on identity resolution, which reassigns
    customers each night (restricted.customer_xref, read through int_customer_xref). A partial
    build's pre-hook deletes the rows that are no longer right; the model then builds every row
    missing from its table (new, or deleted here), so a row is rebuilt when it was delivered
    again or when what it was built from changed, and only then. -#}

{#- int_contact_repeats: every row of a customer who had a contact delivered in the window, or a
    contact now resolved to another customer or to none (the repeats of the customers it left and
    joined change; the model rebuilds the customers of the contacts missing from the table). -#}
{% macro contact_repeats_delete_stale() %}
    {%- if incremental_is_partial() -%}
    delete from {{ this }}
    where customer_key in (
        select built.customer_key
        from {{ this }} as built
        left join {{ ref('int_customer_xref') }} as xref
            on
                xref.source_system = 'crm'
                and built.contact_id = xref.source_record_id
        where
            built.customer_key is distinct from xref.customer_key
            or built.contact_id in (
                select contact_id from {{ source('csc', 'csc_crm_contacts') }}
                where {{ incremental_window('csc_crm_contacts') }}
            )
    )
    {%- endif -%}
{% endmacro %}

{#- fct_contacts: the CRM contacts delivered in the window or whose customer key or repeat flag is
    no longer the one of int_customer_xref and int_contact_repeats, the calls they were logged on
    (a call takes the key of its CRM contact), and the calls delivered in the window. -#}
{% macro fct_contacts_delete_stale() %}
    {%- if incremental_is_partial() -%}
    delete from {{ this }}
    where contact_key in (
        with stale_crm as (
            select built.contact_key, built.call_id
            from {{ this }} as built
            left join {{ ref('int_customer_xref') }} as xref
                on
                    xref.source_system = 'crm'
                    and built.source_record_id = xref.source_record_id
            left join {{ ref('int_contact_repeats') }} as repeats
                on built.source_record_id = repeats.contact_id
            where
                built.source_system = 'crm'
                and (
                    built.customer_key is distinct from xref.customer_key
                    or built.is_repeat_contact_7d is distinct from repeats.is_repeat_contact_7d
                    or built.source_record_id in (
                        select contact_id from {{ source('csc', 'csc_crm_contacts') }}
                        where {{ incremental_window('csc_crm_contacts') }}
                    )
                )
        )

        select contact_key from stale_crm
        union all
        select {{ dbt.concat(["'telephony'", "':'", 'call_id']) }} from stale_crm where call_id is not null
        union all
        select {{ dbt.concat(["'telephony'", "':'", 'call_id']) }} from {{ source('csc', 'csc_telephony_cdr') }}
        where {{ incremental_window('csc_telephony_cdr') }}
    )
    {%- endif -%}
{% endmacro %}
