{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['company_code', 'document_number', 'fiscal_year', 'line_item'],
    on_schema_change='fail',
    pre_hook="{{ incremental_reset() }}",
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {
        'events': ['ibc_fi_items', 'ibc_lfa1'],
        'references': ['ibc_csks', 'procurement_contracts_register'],
    }},
) }}
-- depends_on: {{ source('ibc', 'ibc_fi_items') }}
-- depends_on: {{ source('ibc', 'ibc_lfa1') }}
-- One row per expense line of vendor invoices and credit notes (int_spend_lines), signed, with
-- the month and financial year of its posting date.
select
    company_code,
    document_number,
    fiscal_year,
    line_item,
    document_type,
    document_date,
    posting_date,
    posting_month as month,
    {{ financial_year_label('posting_date') }} as financial_year,
    supplier_id,
    cost_centre,
    directorate,
    gl_account,
    expense_type as category,
    cast(amount_gbp as decimal(18, 2)) as amount_gbp,
    contract_ref,
    covering_contract_ref,
    procurement_category,
    contract_status,
    is_sme,
    is_vcse,
    is_local
-- the alias is the incremental filter's (below); a full build does not use it
from {{ ref('int_spend_lines') }} as spend_lines  -- noqa: AL05
{%- if incremental_is_partial() %}
-- Incremental: the lines of the documents delivered in the window's files, and every line of a
-- supplier whose vendor record was delivered in them (its SME, VCSE and local flags may change).
where
    {{ fi_document_in_window('ibc', 'ibc_fi_items', 'spend_lines') }}
    or spend_lines.supplier_id in (
        select lifnr from {{ source('ibc', 'ibc_lfa1') }}
        where {{ incremental_window('ibc_lfa1') }}
    )
{%- endif %}
