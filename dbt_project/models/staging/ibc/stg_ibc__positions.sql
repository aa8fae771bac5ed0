-- Funded positions from the latest monthly snapshot.
with positions as (
    {{ latest_snapshot(source('ibc', 'ibc_positions')) }}
)

select
    plans as position_id,
    kostl as cost_centre,
    begda as valid_from,
    endda as valid_to,
    fte as funded_fte,
    coalesce(vacant = 'X', false) as is_vacant
from positions
