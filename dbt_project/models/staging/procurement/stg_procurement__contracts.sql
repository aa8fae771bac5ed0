-- The contracts register from the latest monthly snapshot.
with register as (
    {{ latest_snapshot(source('procurement', 'procurement_contracts_register')) }}
)

select
    contract_ref,
    title as contract_title,
    supplier_name,
    lifnr as vendor_id,
    company_number,
    category as procurement_category,
    directorate,
    start_date,
    end_date,
    review_date,
    max_extension_months,
    total_value_gbp,
    annual_value_gbp,
    coalesce(sme = 'Y', false) as is_sme,
    coalesce(vcse = 'Y', false) as is_vcse,
    route as procurement_route,
    status as contract_status
from register
