-- PA0002's gender (GESCH) alone, for the gender pay gap: the names, birth date and NI number stay
-- in restricted.stg_ibc__staff_personal_data. GESCH: 1 male, 2 female, 3 other or unknown.
with pa0002 as (
    {{ latest_snapshot(source('ibc', 'ibc_pa0002')) }}
)

select
    pernr as person_id,
    gesch as gender
from pa0002
