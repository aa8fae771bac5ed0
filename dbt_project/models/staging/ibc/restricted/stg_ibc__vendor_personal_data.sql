-- LFA1 name and postcode of every vendor (latest version). Restricted: an individual's
-- (KTOKK INDV: foster carers, direct payment recipients) name and postcode identify a person.
with lfa1 as (
    {{ latest_version(source('ibc', 'ibc_lfa1'), ['lifnr']) }}
)

select
    lifnr as vendor_id,
    ktokk as account_group,
    name1 as vendor_name,
    pstlz as postcode
from lfa1
