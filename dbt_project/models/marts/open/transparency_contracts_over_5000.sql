-- Local Government Transparency Code 2015, contracts over £5,000 (contracts/kpis.md,
-- transparency_contracts_over_5000): every Active contract of the latest register whose total
-- value is over 5,000, with the code's columns. A contract with an individual (a matched vendor
-- of account group INDV), or with a supplier neither matched to the vendor master nor carrying a
-- company number (it could be a person), names its supplier as `Redacted personal data` with no
-- company number. Irrecoverable VAT is 0.00 (the register carries none). The publish step writes
-- the quarterly CSV from it (publication/transparency.py).
with contracts as (
    select * from {{ ref('stg_procurement__contracts') }}
    where contract_status = 'Active' and total_value_gbp > 5000
),

supplier_matches as (
    select
        supplier_contracts.contract_ref,
        max(case when vendors.is_individual then 1 else 0 end) = 1 as is_individual
    from {{ ref('int_supplier_contracts') }} as supplier_contracts
    inner join {{ ref('stg_ibc__vendors') }} as vendors
        on supplier_contracts.vendor_id = vendors.vendor_id
    group by supplier_contracts.contract_ref
),

redaction as (
    select
        contracts.contract_ref,
        coalesce(
            supplier_matches.is_individual,
            contracts.company_number is null or trim(contracts.company_number) = ''
        ) as is_redacted
    from contracts
    left join supplier_matches on contracts.contract_ref = supplier_matches.contract_ref
)

select
    contracts.contract_ref as reference,
    contracts.contract_title as title,
    directorates.directorate_name as department,
    contracts.contract_title as description,
    case when redaction.is_redacted then 'Redacted personal data' else contracts.supplier_name end
        as supplier_name,
    case when redaction.is_redacted then null else contracts.company_number end as supplier_company_number,
    cast(contracts.total_value_gbp as decimal(18, 2)) as value,
    cast(contracts.annual_value_gbp as decimal(18, 2)) as annual_value,
    cast(0 as decimal(18, 2)) as irrecoverable_vat,
    contracts.start_date,
    contracts.end_date,
    contracts.review_date,
    contracts.procurement_route as route,
    case when contracts.is_sme then 'Y' else 'N' end as sme,
    case when contracts.is_vcse then 'Y' else 'N' end as vcse
from contracts
inner join redaction on contracts.contract_ref = redaction.contract_ref
left join {{ ref('directorates') }} as directorates
    on contracts.directorate = directorates.directorate
