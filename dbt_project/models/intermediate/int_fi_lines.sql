{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['company_code', 'document_number', 'fiscal_year', 'line_item'],
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset() }}",
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {'events': ['ibc_fi_items'], 'references': ['ibc_csks']}},
) }}
-- depends_on: {{ source('ibc', 'ibc_fi_items') }}
-- Every FI document line, classified: signed amount, the GL range's class and expense type, the
-- directorate of the line's cost centre on the posting date (CSKS), the posting month, and the
-- document's supplier (the LIFNR of its vendor line; the lowest such line if there are several).
-- A line whose cost centre has no directorate on the posting date (no KOSTL, an unknown KOSTL, or
-- no CSKS record valid that day) gets directorate UNALLOCATED, so that no grid drops it.
-- An expense line is a line on GL 500000-599999 with a cost centre. The GL range and the
-- directorate are looked up once per distinct account and per distinct cost centre and day.
with lines as (
    select
        fi_items.*,
        {{ dbt.safe_cast('fi_items.line_item', api.Column.translate_type('integer')) }} as line_number
    from {{ ref('stg_ibc__fi_items') }} as fi_items
    {%- if incremental_is_partial() %}
    -- Incremental: the documents delivered in the window's files (all their lines: the supplier is
    -- the document's vendor line).
    inner join (
        select distinct bukrs, belnr, gjahr
        from {{ source('ibc', 'ibc_fi_items') }}
        where {{ incremental_window('ibc_fi_items') }}
    ) as window_documents
        on
            fi_items.company_code = window_documents.bukrs
            and fi_items.document_number = window_documents.belnr
            and fi_items.fiscal_year = window_documents.gjahr
    {%- endif %}
),

accounts as (
    select distinct
        gl_account,
        {{ dbt.safe_cast('gl_account', api.Column.translate_type('integer')) }} as gl_account_number
    from lines
),

gl_accounts as (
    select
        accounts.gl_account,
        accounts.gl_account_number,
        gl_ranges.account_class,
        gl_ranges.expense_type
    from accounts
    left join {{ ref('gl_account_ranges') }} as gl_ranges
        on accounts.gl_account_number between gl_ranges.account_from and gl_ranges.account_to
),

cost_centre_days as (
    select distinct
        cost_centre,
        posting_date
    from lines
    where cost_centre is not null
),

ranked_directorates as (
    select
        cost_centre_days.cost_centre,
        cost_centre_days.posting_date,
        cost_centres.directorate,
        row_number() over (
            partition by cost_centre_days.cost_centre, cost_centre_days.posting_date
            order by cost_centres.valid_from desc
        ) as cost_centre_rank
    from cost_centre_days
    inner join {{ ref('stg_ibc__cost_centres') }} as cost_centres
        on
            cost_centre_days.cost_centre = cost_centres.cost_centre
            and cost_centre_days.posting_date between cost_centres.valid_from and cost_centres.valid_to
),

directorates as (
    select
        cost_centre,
        posting_date,
        directorate
    from ranked_directorates
    where cost_centre_rank = 1
),

ranked_vendor_lines as (
    select
        company_code,
        document_number,
        fiscal_year,
        vendor_id,
        row_number() over (
            partition by company_code, document_number, fiscal_year
            order by line_number, line_item
        ) as vendor_line_rank
    from lines
    where vendor_id is not null
),

document_vendors as (
    select
        company_code,
        document_number,
        fiscal_year,
        vendor_id as supplier_id
    from ranked_vendor_lines
    where vendor_line_rank = 1
)

select
    lines.company_code,
    lines.document_number,
    lines.fiscal_year,
    lines.line_item,
    lines.line_number,
    lines.document_type,
    lines.document_date,
    lines.posting_date,
    lines.entry_date,
    {{ month_start('lines.posting_date') }} as posting_month,
    lines.gl_account,
    gl_accounts.gl_account_number,
    gl_accounts.account_class,
    gl_accounts.expense_type,
    coalesce(
        gl_accounts.gl_account_number between 500000 and 599999 and lines.cost_centre is not null,
        false
    ) as is_expense_line,
    lines.cost_centre,
    {{ directorate_or_unallocated('directorates.directorate') }} as directorate,
    lines.vendor_id,
    document_vendors.supplier_id,
    lines.amount_gbp,
    lines.contract_ref,
    lines.purchase_order,
    lines.reference
from lines
left join gl_accounts on lines.gl_account = gl_accounts.gl_account
left join directorates
    on
        lines.cost_centre = directorates.cost_centre
        and lines.posting_date = directorates.posting_date
left join document_vendors
    on
        lines.company_code = document_vendors.company_code
        and lines.document_number = document_vendors.document_number
        and lines.fiscal_year = document_vendors.fiscal_year
