-- PA0002 personal data of staff from the latest monthly snapshot. Restricted: never selected
-- into a published model.
with pa0002 as (
    {{ latest_snapshot(source('ibc', 'ibc_pa0002')) }}
)

select
    pernr as person_id,
    nachn as surname,
    vorna as forename,
    gbdat as birth_date,
    gesch as gender,
    perid as ni_number
from pa0002
