-- Every FI document line, classified: signed amount, the GL range's class and expense type, the
-- directorate of the line's cost centre on the posting date (CSKS), the posting month, and the
-- document's supplier (the LIFNR of its vendor line; the lowest such line if there are several).
-- An expense line is a line on GL 500000-599999 with a cost centre.
with lines as (
    select
        *,
        {{ dbt.safe_cast('gl_account', api.Column.translate_type('integer')) }} as gl_account_number,
        {{ dbt.safe_cast('line_item', api.Column.translate_type('integer')) }} as line_number
    from {{ ref('stg_ibc__fi_items') }}
),

document_vendors as (
    select
        company_code,
        document_number,
        fiscal_year,
        vendor_id as supplier_id
    from (
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
    ) as vendor_lines
    where vendor_line_rank = 1
),

with_directorate as (
    select
        lines.*,
        cost_centres.directorate,
        row_number() over (
            partition by lines.company_code, lines.document_number, lines.fiscal_year, lines.line_item
            order by cost_centres.valid_from desc
        ) as cost_centre_rank
    from lines
    left join {{ ref('stg_ibc__cost_centres') }} as cost_centres
        on
            lines.cost_centre = cost_centres.cost_centre
            and lines.posting_date between cost_centres.valid_from and cost_centres.valid_to
)

select
    with_directorate.company_code,
    with_directorate.document_number,
    with_directorate.fiscal_year,
    with_directorate.line_item,
    with_directorate.line_number,
    with_directorate.document_type,
    with_directorate.document_date,
    with_directorate.posting_date,
    with_directorate.entry_date,
    {{ month_start('with_directorate.posting_date') }} as posting_month,
    with_directorate.gl_account,
    with_directorate.gl_account_number,
    gl_ranges.account_class,
    gl_ranges.expense_type,
    coalesce(
        with_directorate.gl_account_number between 500000 and 599999
        and with_directorate.cost_centre is not null,
        false
    ) as is_expense_line,
    with_directorate.cost_centre,
    with_directorate.directorate,
    with_directorate.vendor_id,
    document_vendors.supplier_id,
    with_directorate.amount_gbp,
    with_directorate.contract_ref,
    with_directorate.purchase_order,
    with_directorate.reference
from with_directorate
left join {{ ref('gl_account_ranges') }} as gl_ranges
    on with_directorate.gl_account_number between gl_ranges.account_from and gl_ranges.account_to
left join document_vendors
    on
        with_directorate.company_code = document_vendors.company_code
        and with_directorate.document_number = document_vendors.document_number
        and with_directorate.fiscal_year = document_vendors.fiscal_year
where with_directorate.cost_centre_rank = 1
