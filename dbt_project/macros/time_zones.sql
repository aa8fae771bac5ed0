{#- Time zone conversions between UTC instants and Europe/London wall time (reporting dates are
    Europe/London local dates). `timestamp AT TIME ZONE zone` reads a wall time in that zone and
    gives an instant; `instant AT TIME ZONE zone` gives the wall time there: the same syntax in
    DuckDB (ICU) and Postgres, and independent of the session's time zone. -#}

{% macro utc_to_local(utc_timestamp, zone='Europe/London') -%}
    cast(({{ utc_timestamp }} at time zone 'UTC') at time zone '{{ zone }}' as timestamp)
{%- endmacro %}

{#- A wall time that the autumn clock change makes ambiguous (01:00-01:59 on the last Sunday of
    October happens twice) is read by the engine's rule (ICU: the later, GMT, occurrence); a wall
    time skipped in spring is read as if the clocks had not yet changed. -#}
{% macro local_to_utc(local_timestamp, zone='Europe/London') -%}
    cast(({{ local_timestamp }} at time zone '{{ zone }}') at time zone 'UTC' as timestamp)
{%- endmacro %}
