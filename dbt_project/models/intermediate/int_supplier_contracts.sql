-- Which register contracts (latest register) are with which supplier (KPI dictionary, Spend):
-- the contract's lifnr equals the supplier's LIFNR, or the contract's lifnr is blank and its
-- company_number equals the supplier's ZCRN (latest vendor version). Suppliers are every LIFNR
-- of the vendor master and every LIFNR on a vendor line of FI_ITEMS.
with contracts as (
    select
        *,
        coalesce(max_extension_months, 0) as extension_months
    from {{ ref('stg_procurement__contracts') }}
),

vendors as (
    select
        vendor_id,
        company_number
    from {{ ref('stg_ibc__vendors') }}
),

suppliers as (
    select
        vendor_id,
        company_number
    from vendors
    union
    select distinct
        fi_lines.supplier_id as vendor_id,
        cast(null as {{ dbt.type_string() }}) as company_number
    from {{ ref('int_fi_lines') }} as fi_lines
    left join vendors on fi_lines.supplier_id = vendors.vendor_id
    where fi_lines.supplier_id is not null and vendors.vendor_id is null
),

matches as (
    select
        suppliers.vendor_id,
        contracts.contract_ref
    from suppliers
    inner join contracts on suppliers.vendor_id = contracts.vendor_id
    union all
    select
        suppliers.vendor_id,
        contracts.contract_ref
    from suppliers
    inner join contracts
        on
            contracts.vendor_id is null
            and suppliers.company_number = contracts.company_number
)

select
    matches.vendor_id,
    contracts.contract_ref,
    contracts.procurement_category,
    contracts.start_date,
    contracts.end_date,
    contracts.extension_months as max_extension_months,
    cast({{ dbt.dateadd('month', 'contracts.extension_months', 'contracts.end_date') }} as date)
        as latest_end_date,
    contracts.is_vcse
from matches
inner join contracts on matches.contract_ref = contracts.contract_ref
