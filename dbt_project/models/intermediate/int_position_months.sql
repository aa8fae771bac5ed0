-- Funded positions valid on the last day of each reporting month, in the directorate of their
-- cost centre on that day (KPI dictionary, vacancy_rate), UNALLOCATED when it has none.
with positions as (
    select
        months.month,
        positions.position_id,
        positions.cost_centre,
        positions.funded_fte,
        positions.is_vacant,
        months.month_end,
        row_number() over (
            partition by months.month, positions.position_id order by positions.valid_from desc
        ) as position_rank
    from {{ ref('int_reporting_months') }} as months
    inner join {{ ref('stg_ibc__positions') }} as positions
        on months.month_end between positions.valid_from and positions.valid_to
),

with_directorate as (
    select
        positions.*,
        {{ directorate_or_unallocated('cost_centres.directorate') }} as directorate,
        row_number() over (
            partition by positions.month, positions.position_id order by cost_centres.valid_from desc
        ) as cost_centre_rank
    from positions
    left join {{ ref('stg_ibc__cost_centres') }} as cost_centres
        on
            positions.cost_centre = cost_centres.cost_centre
            and positions.month_end between cost_centres.valid_from and cost_centres.valid_to
    where positions.position_rank = 1
)

select
    month,
    position_id,
    cost_centre,
    directorate,
    funded_fte,
    is_vacant
from with_directorate
where cost_centre_rank = 1
