{#- Conventions of the source extracts and of the KPI dictionary, written once.

    The SQL is ANSI or uses dbt's cross-database macros, so a postgres target can follow. -#}

{#- SAP amounts are unsigned; SHKZG carries the sign (S debit = +, H credit = -). -#}
{% macro sap_signed_amount(amount, debit_credit) -%}
    (case when {{ debit_credit }} = 'H' then -{{ amount }} else {{ amount }} end)
{%- endmacro %}

{#- A rate: numerator / denominator as a double, NULL (never 0, never an error) when the
    denominator is zero or missing. -#}
{% macro safe_rate(numerator, denominator) -%}
    (case
        when {{ denominator }} is null or {{ denominator }} = 0 then null
        else cast({{ numerator }} as double precision) / cast({{ denominator }} as double precision)
    end)
{%- endmacro %}

{#- Start year of the financial year (1 April to 31 March) holding a date. -#}
{% macro financial_year_start(date_expression) -%}
    cast(extract(year from {{ date_expression }})
        - case when extract(month from {{ date_expression }}) < 4 then 1 else 0 end as integer)
{%- endmacro %}

{#- The financial year as text, e.g. `2024/25`. -#}
{% macro financial_year_label(date_expression) -%}
    {%- set start_year = financial_year_start(date_expression) -%}
    {{ dbt.concat([
        'cast(' ~ start_year ~ ' as ' ~ dbt.type_string() ~ ')',
        "'/'",
        dbt.right('cast(' ~ start_year ~ ' + 1 as ' ~ dbt.type_string() ~ ')', '2')
    ]) }}
{%- endmacro %}

{#- Financial period: 1 = April .. 12 = March. -#}
{% macro financial_period(date_expression) -%}
    (mod(cast(extract(month from {{ date_expression }}) as integer) + 8, 12) + 1)
{%- endmacro %}

{#- Outward code of a UK postcode (`OX4 1AB` -> `OX4`): everything but the last three
    characters once spaces are removed. -#}
{% macro postcode_district(postcode) -%}
    nullif(upper(left(
        replace({{ postcode }}, ' ', ''),
        greatest(length(replace({{ postcode }}, ' ', '')) - 3, 0)
    )), '')
{%- endmacro %}

{#- Whole calendar months from date r to date e, the KPI dictionary's months_to_expiry:
    (year(e) - year(r)) x 12 + month(e) - month(r), minus 1 when day(e) < day(r). -#}
{% macro whole_months_between(r, e) -%}
    (
        (extract(year from {{ e }}) - extract(year from {{ r }})) * 12
        + extract(month from {{ e }}) - extract(month from {{ r }})
        - case when extract(day from {{ e }}) < extract(day from {{ r }}) then 1 else 0 end
    )
{%- endmacro %}

{#- The last day of the month holding a date, as a date. -#}
{% macro month_end(date_expression) -%}
    cast({{ dbt.last_day(dbt.date_trunc('month', date_expression), 'month') }} as date)
{%- endmacro %}

{#- The first day of the month holding a date or timestamp, as a date. -#}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{#- The directorate a line (or a person or position of the workforce grid) is reported under:
    its cost centre's ZDIRECT on the line's date, or `UNALLOCATED` when there is none (no cost
    centre, an unknown KOSTL, or no CSKS record valid on the date). Nothing is dropped from a
    directorate grid for want of a directorate. -#}
{% macro directorate_or_unallocated(directorate) -%}
    coalesce({{ directorate }}, 'UNALLOCATED')
{%- endmacro %}

{#- Counts of a left-joined aggregate on a grid: 0, never NULL, where the grid has nothing to count
    (the KPI dictionary's null rule for counts), one `cast(coalesce(...))` per name. -#}
{% macro counts_or_zero(relation, names) -%}
    {%- for name in names %}
    cast(coalesce({{ relation }}.{{ name }}, 0) as bigint) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
