{#- One row per month (its first day) from the month of start_date to the month of end_date.
    generate_series as a table function works in DuckDB and Postgres alike. -#}
{% macro month_spine(start_date, end_date) %}
select cast(series.month_start as date) as month
from generate_series(
    cast({{ dbt.date_trunc('month', start_date) }} as timestamp),
    cast({{ dbt.date_trunc('month', end_date) }} as timestamp),
    interval '1 month'
) as series (month_start)
{% endmacro %}
