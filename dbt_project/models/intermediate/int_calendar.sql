-- One row per day of the years the bank holiday seed covers, with the council's financial year
-- and period and whether the day is a working day (Monday to Friday, not an England and Wales
-- bank holiday).
with days as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ var('calendar_end') ~ "' as date)")
    ) }}
),

calendar as (
    select cast(date_day as date) as date_day
    from days
)

select
    calendar.date_day,
    {{ month_start('calendar.date_day') }} as month,
    {{ month_end('calendar.date_day') }} as month_end,
    cast(extract(year from calendar.date_day) as integer) as calendar_year,
    {{ financial_year_label('calendar.date_day') }} as financial_year,
    {{ financial_year_start('calendar.date_day') }} as financial_year_start,
    {{ financial_period('calendar.date_day') }} as financial_period,
    cast(extract(isoyear from calendar.date_day) as integer) as iso_year,
    cast(extract(week from calendar.date_day) as integer) as iso_week,
    cast(extract(isodow from calendar.date_day) as integer) as iso_day_of_week,
    extract(isodow from calendar.date_day) in (6, 7) as is_weekend,
    holidays.holiday_date is not null as is_bank_holiday,
    holidays.holiday_name as bank_holiday_name,
    extract(isodow from calendar.date_day) between 1 and 5 and holidays.holiday_date is null as is_working_day
from calendar
left join {{ ref('bank_holidays_england_wales') }} as holidays
    on calendar.date_day = holidays.holiday_date
