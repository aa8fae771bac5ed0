{{ config(materialized='view') }}
-- Spend lines (KPI dictionary, Spend and provision cycle): the expense lines (GL 500000-599999
-- with a cost centre) of vendor invoices (KR) and credit notes (KG), signed, with their
-- supplier's flags and contract coverage:
--   on_contract   ZCONTRACT names a register contract with the same supplier whose
--                 start_date <= BLDAT <= end_date + max_extension_months;
--   off_contract  otherwise, with a supplier that has at least one register contract;
--   non_contract  with a supplier that has no register contract (or no supplier at all).
with lines as (
    select * from {{ ref('int_fi_lines') }}
    where document_type in ('KR', 'KG') and is_expense_line
),

supplier_contracts as (
    select * from {{ ref('int_supplier_contracts') }}
),

suppliers as (
    select
        vendor_id,
        count(*) > 0 as has_contract,
        {{ dbt.bool_or('is_vcse') }} as has_vcse_contract
    from supplier_contracts
    group by vendor_id
),

covering as (
    select
        lines.company_code,
        lines.document_number,
        lines.fiscal_year,
        lines.line_item,
        min(supplier_contracts.contract_ref) as covering_contract_ref,
        min(supplier_contracts.procurement_category) as procurement_category
    from lines
    inner join supplier_contracts
        on
            lines.supplier_id = supplier_contracts.vendor_id
            and lines.contract_ref = supplier_contracts.contract_ref
            and lines.document_date
            between supplier_contracts.start_date and supplier_contracts.latest_end_date
    group by lines.company_code, lines.document_number, lines.fiscal_year, lines.line_item
)

select
    lines.company_code,
    lines.document_number,
    lines.fiscal_year,
    lines.line_item,
    lines.document_type,
    lines.document_date,
    lines.posting_date,
    lines.posting_month,
    lines.supplier_id,
    lines.cost_centre,
    lines.directorate,
    lines.gl_account,
    lines.expense_type,
    lines.amount_gbp,
    lines.contract_ref,
    covering.covering_contract_ref,
    covering.procurement_category,
    case
        when covering.covering_contract_ref is not null then 'on_contract'
        when coalesce(suppliers.has_contract, false) then 'off_contract'
        else 'non_contract'
    end as contract_status,
    coalesce(vendors.is_sme, false) as is_sme,
    coalesce(vendors.account_group = 'VCSE', false)
    or coalesce(suppliers.has_vcse_contract, false) as is_vcse,
    coalesce(vendors.is_local, false) as is_local
from lines
left join covering
    on
        lines.company_code = covering.company_code
        and lines.document_number = covering.document_number
        and lines.fiscal_year = covering.fiscal_year
        and lines.line_item = covering.line_item
left join suppliers on lines.supplier_id = suppliers.vendor_id
left join {{ ref('stg_ibc__vendors') }} as vendors on lines.supplier_id = vendors.vendor_id
