{#-
    Small-number suppression for the `open` audience, stated once (publication contract, NHS
    England's statistical disclosure rule; docs/governance.md). A count of people from 1 to
    `withhold_up_to` is withheld (NULL, with `<name>_suppressed` true); every other count is rounded
    to the nearest `round_to`; a rate is computed from the rounded counts and withheld when a count
    it uses is withheld. The rule needs no secondary suppression. Counts of money, invoices,
    contracts or transactions are not counts of people and never pass through these macros.
-#}

{% macro suppressed_count(count_sql, name) -%}
    {%- set rule = var('small_number_suppression') -%}
    {%- set n = '(' ~ count_sql ~ ')' -%}
    case
        when {{ n }} between 1 and {{ rule.withhold_up_to }} then null
        else cast(round({{ n }} / {{ rule.round_to }}.0) * {{ rule.round_to }} as {{ dbt.type_bigint() }})
    end as {{ name }},
    coalesce({{ n }} between 1 and {{ rule.withhold_up_to }}, false) as {{ name }}_suppressed
{%- endmacro %}

{#- `numerator` and `denominator` name columns made by suppressed_count in an earlier CTE. -#}
{% macro suppressed_rate(numerator, denominator, name) -%}
    case
        when {{ numerator }}_suppressed or {{ denominator }}_suppressed then null
        else {{ numerator }} / nullif(cast({{ denominator }} as double precision), 0)
    end as {{ name }},
    ({{ numerator }}_suppressed or {{ denominator }}_suppressed) as {{ name }}_suppressed
{%- endmacro %}

{#- Blocking: an open count of people is never 1 to `withhold_up_to` and always a multiple of `round_to`. -#}
{% test small_number_suppressed(model, column_name) %}
    {%- set rule = var('small_number_suppression') -%}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} between 1 and {{ rule.withhold_up_to }}
        or {{ column_name }} % {{ rule.round_to }} <> 0
{% endtest %}
