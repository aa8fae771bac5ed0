-- The calendar: one row per day with the financial year and period, ISO week and bank holidays.
select
    date_day,
    month,
    month_end,
    calendar_year,
    financial_year,
    financial_period,
    iso_year,
    iso_week,
    iso_day_of_week,
    is_weekend,
    is_bank_holiday,
    bank_holiday_name,
    is_working_day
from {{ ref('int_calendar') }}
