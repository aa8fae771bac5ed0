-- Public workforce figures by month and directorate: kpi_workforce_monthly with small-number
-- suppression of its counts of people (macros/small_number_suppression.sql). Agency spend is money
-- and is published as it is. FTE, sickness and 12-month measures stay internal: they are derived
-- from the same people and could undo a withheld count.
with suppressed as (
    select
        month,
        directorate,
        {{ suppressed_count('headcount', 'headcount') }},
        {{ suppressed_count('starters', 'starters') }},
        {{ suppressed_count('leavers', 'leavers') }},
        agency_spend_gbp,
        missing_source_days,
        is_complete
    from {{ ref('kpi_workforce_monthly') }}
)

select
    month,
    directorate,
    headcount,
    headcount_suppressed,
    starters,
    starters_suppressed,
    leavers,
    leavers_suppressed,
    {{ suppressed_rate('leavers', 'headcount', 'leaver_rate') }},
    agency_spend_gbp,
    missing_source_days,
    is_complete
from suppressed
