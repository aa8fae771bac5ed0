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
from {{ ref('int_spend_lines') }}
