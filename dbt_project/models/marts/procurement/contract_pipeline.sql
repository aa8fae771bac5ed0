-- The contract expiry pipeline (contracts/kpis.md, contract_pipeline): every contract of the
-- latest register, as of the reporting date R (the date of the newest FI_ITEMS file loaded).
-- months_to_expiry counts whole calendar months from R to the end date (negative once expired);
-- a successor is another contract of the same procurement category and directorate starting
-- after this one's start date. A contract with an individual (KTOKK INDV) has its supplier name
-- redacted.
with contracts as (
    select * from {{ ref('stg_procurement__contracts') }}
),

reporting_date as (
    select max(reporting_date) as reporting_date
    from {{ ref('int_reporting_months') }}
),

individual_suppliers as (
    select distinct supplier_contracts.contract_ref
    from {{ ref('int_supplier_contracts') }} as supplier_contracts
    inner join {{ ref('stg_ibc__vendors') }} as vendors
        on supplier_contracts.vendor_id = vendors.vendor_id
    where vendors.is_individual
),

successors as (
    select distinct contracts.contract_ref
    from contracts
    inner join contracts as later
        on
            contracts.procurement_category = later.procurement_category
            and contracts.directorate = later.directorate
            and contracts.start_date < later.start_date
            and contracts.contract_ref <> later.contract_ref
),

pipeline as (
    select
        contracts.contract_ref,
        case
            when individual_suppliers.contract_ref is not null then 'Redacted personal data'
            else contracts.supplier_name
        end as supplier_name,
        contracts.directorate,
        contracts.procurement_category,
        contracts.end_date,
        contracts.contract_status,
        cast({{ whole_months_between('reporting_date.reporting_date', 'contracts.end_date') }} as integer)
            as months_to_expiry,
        successors.contract_ref is not null as has_successor
    from contracts
    cross join reporting_date
    left join individual_suppliers on contracts.contract_ref = individual_suppliers.contract_ref
    left join successors on contracts.contract_ref = successors.contract_ref
)

select
    contract_ref,
    supplier_name,
    directorate,
    procurement_category,
    end_date,
    months_to_expiry,
    has_successor,
    coalesce(
        contract_status = 'Active' and months_to_expiry between 0 and 6 and not has_successor,
        false
    ) as expiring_without_successor
from pipeline
