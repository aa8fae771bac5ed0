{#- Values that do not match the regular expression as a whole fail; NULL passes (tested for
    separately where it matters). Dispatched so a postgres target can supply its own `~`. -#}
{% test matches_pattern(model, column_name, pattern) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null
  and not {{ adapter.dispatch('full_match', 'insight_hub')(column_name, pattern) }}
{% endtest %}

{% macro default__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}
