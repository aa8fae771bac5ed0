-- One row per supplier (LIFNR): the latest version of the vendor master (the daily LFA1 deltas
-- de-duplicated), plus any LIFNR that FI documents use but the vendor master has not delivered.
-- Individuals (KTOKK INDV) are `Redacted personal data`, with no town, VAT or company number.
with vendors as (
    select * from {{ ref('stg_ibc__vendors') }}
),

unknown_vendors as (
    select distinct fi_lines.supplier_id as vendor_id
    from {{ ref('int_fi_lines') }} as fi_lines
    left join vendors on fi_lines.supplier_id = vendors.vendor_id
    where fi_lines.supplier_id is not null and vendors.vendor_id is null
),

contracts as (
    select
        vendor_id,
        count(*) as contracts,
        {{ dbt.bool_or('is_vcse') }} as has_vcse_contract
    from {{ ref('int_supplier_contracts') }}
    group by vendor_id
),

suppliers as (
    select
        vendor_id,
        vendor_name,
        account_group,
        is_individual,
        town,
        postcode_district,
        vat_number,
        company_number,
        is_sme,
        is_local,
        changed_on
    from vendors
    union all
    select
        vendor_id,
        cast(null as {{ dbt.type_string() }}) as vendor_name,
        cast(null as {{ dbt.type_string() }}) as account_group,
        false as is_individual,
        cast(null as {{ dbt.type_string() }}) as town,
        cast(null as {{ dbt.type_string() }}) as postcode_district,
        cast(null as {{ dbt.type_string() }}) as vat_number,
        cast(null as {{ dbt.type_string() }}) as company_number,
        false as is_sme,
        false as is_local,
        cast(null as date) as changed_on
    from unknown_vendors
)

select
    suppliers.vendor_id as supplier_id,
    suppliers.vendor_name as supplier_name,
    suppliers.account_group,
    suppliers.is_individual,
    suppliers.town,
    suppliers.postcode_district,
    postcode_districts.local_authority_district,
    suppliers.vat_number,
    suppliers.company_number,
    suppliers.is_sme,
    coalesce(suppliers.account_group = 'VCSE', false)
    or coalesce(contracts.has_vcse_contract, false) as is_vcse,
    suppliers.is_local,
    coalesce(contracts.contracts, 0) > 0 as has_contract,
    suppliers.account_group is null as is_missing_from_vendor_master,
    suppliers.changed_on as vendor_master_changed_on
from suppliers
left join contracts on suppliers.vendor_id = contracts.vendor_id
left join {{ ref('postcode_districts') }} as postcode_districts
    on suppliers.postcode_district = postcode_districts.postcode_district
