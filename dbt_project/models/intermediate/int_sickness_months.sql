-- Sickness absence (SUBTY 0100, latest version, not deleted) split into months by working days:
-- per person and reporting month, the working days of each absence that fall in the month
-- (counted from the calendar, not from ABWTG) and the sickness hours, each absence's STDAZ spread
-- evenly over all its working days. An absence with no working day (a weekend) adds nothing.
with absences as (
    select
        person_id,
        valid_from,
        valid_to,
        recorded_hours
    from {{ ref('stg_ibc__absences') }}
    where absence_type = '0100'
),

absence_working_days as (
    select
        absences.person_id,
        absences.valid_from,
        absences.recorded_hours,
        calendar.date_day,
        calendar.month,
        count(*) over (partition by absences.person_id, absences.valid_from) as absence_working_days
    from absences
    inner join {{ ref('int_calendar') }} as calendar
        on calendar.date_day between absences.valid_from and absences.valid_to
    where calendar.is_working_day
)

select
    absence_working_days.person_id,
    absence_working_days.month,
    cast(count(*) as bigint) as sickness_days,
    -- Each day's share as a decimal, so that the sums are exact and do not depend on the order
    -- DuckDB's threads add rows in (a double's sum can differ in its last bits between builds).
    sum(
        cast(
            cast(coalesce(absence_working_days.recorded_hours, 0) as double precision)
            / absence_working_days.absence_working_days
            as decimal(38, 18)
        )
    ) as sickness_hours
from absence_working_days
inner join {{ ref('int_reporting_months') }} as months
    on absence_working_days.month = months.month
group by absence_working_days.person_id, absence_working_days.month
