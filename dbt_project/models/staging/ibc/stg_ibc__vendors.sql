-- LFA1 vendors: the latest version of each LIFNR over every daily delta. An individual's
-- (KTOKK INDV) name is replaced here and the full postcode reduced to its district, so that
-- only restricted.stg_ibc__vendor_personal_data holds them.
with lfa1 as (
    {{ latest_version(source('ibc', 'ibc_lfa1'), ['lifnr']) }}
)

select
    lifnr as vendor_id,
    case when ktokk = 'INDV' then 'Redacted personal data' else name1 end as vendor_name,
    case when ktokk = 'INDV' then null else ort01 end as town,
    {{ postcode_district('pstlz') }} as postcode_district,
    coalesce(upper(pstlz) like 'OX%', false) as is_local,
    case when ktokk = 'INDV' then null else stceg end as vat_number,
    ktokk as account_group,
    ktokk = 'INDV' as is_individual,
    case when ktokk = 'INDV' then null else zcrn end as company_number,
    coalesce(zsme = 'X', false) as is_sme,
    aedtm as changed_on
from lfa1
