-- The Local Government Transparency Code rows (publication contract): one row per invoice or
-- credit note and expense type, for documents whose net total is 500 or more in absolute value.
-- Salaries (Employees), journals and balance-sheet lines are not spend lines, so never appear.
-- Individuals, and suppliers the vendor master has not described (they could be individuals),
-- are `Redacted personal data` with no Supplier ID; Purpose is a generic text per expense type,
-- never the line text (SGTXT can hold personal data).
with lines as (
    select
        spend.company_code,
        spend.document_number,
        spend.fiscal_year,
        spend.line_item,
        spend.posting_date,
        spend.supplier_id,
        spend.category as expense_type,
        spend.amount_gbp,
        spend.procurement_category,
        organisation.directorate_name,
        organisation.service_area
    from {{ ref('fct_spend') }} as spend
    left join {{ ref('dim_organisation') }} as organisation
        on
            spend.cost_centre = organisation.cost_centre
            and spend.posting_date between organisation.valid_from and organisation.valid_to
),

documents as (
    select
        company_code,
        document_number,
        fiscal_year
    from lines
    group by company_code, document_number, fiscal_year
    having abs(sum(amount_gbp)) >= 500
),

rows_by_expense_type as (
    select
        lines.company_code,
        lines.document_number,
        lines.fiscal_year,
        lines.expense_type,
        min(lines.posting_date) as posting_date,
        min(lines.supplier_id) as supplier_id,
        sum(lines.amount_gbp) as net_amount,
        min(lines.line_item) as first_line_item
    from lines
    inner join documents
        on
            lines.company_code = documents.company_code
            and lines.document_number = documents.document_number
            and lines.fiscal_year = documents.fiscal_year
    where lines.expense_type <> 'Employees'
    group by lines.company_code, lines.document_number, lines.fiscal_year, lines.expense_type
)

select
    'Oxfordshire County Council' as body_name,
    rows_by_expense_type.posting_date as transaction_date,
    rows_by_expense_type.document_number as transaction_number,
    case
        when coalesce(suppliers.is_individual, true) or suppliers.account_group is null
            then 'Redacted personal data'
        else suppliers.supplier_name
    end as supplier_name,
    case
        when coalesce(suppliers.is_individual, true) or suppliers.account_group is null then null
        else rows_by_expense_type.supplier_id
    end as supplier_id,
    cast(rows_by_expense_type.net_amount as decimal(18, 2)) as net_amount,
    cast(0 as decimal(18, 2)) as irrecoverable_vat,
    first_line.directorate_name as department,
    first_line.service_area,
    rows_by_expense_type.expense_type,
    first_line.procurement_category,
    case rows_by_expense_type.expense_type
        when 'Agency staff' then 'Agency and temporary staff'
        when 'Premises' then 'Premises costs'
        when 'Transport' then 'Transport costs'
        when 'Supplies and services' then 'Supplies and services'
        when 'Third-party payments' then 'Care placements and commissioned services'
        when 'Transfer payments' then 'Payments to individuals (direct payments and allowances)'
        else 'Other expenditure'
    end as purpose,
    'N' as card_transaction,
    rows_by_expense_type.company_code,
    rows_by_expense_type.fiscal_year
from rows_by_expense_type
inner join lines as first_line
    on
        rows_by_expense_type.company_code = first_line.company_code
        and rows_by_expense_type.document_number = first_line.document_number
        and rows_by_expense_type.fiscal_year = first_line.fiscal_year
        and rows_by_expense_type.first_line_item = first_line.line_item
left join {{ ref('dim_supplier') }} as suppliers
    on rows_by_expense_type.supplier_id = suppliers.supplier_id
