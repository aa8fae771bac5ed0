{#- The completeness columns of a monthly KPI mart (contracts/kpis.md, Completeness): a mart selects
    completeness_columns() and adds join_completeness('<its month column>', '<its name>') to its
    final from (the name is passed, not read from `model`, which a unit test replaces). The
    rule itself lives in int_kpi_completeness, keyed by the mart's name (seed kpi_daily_feeds names
    each mart's daily feeds); a mart missing from the seed fails its not-null contract. -#}
{% macro completeness_columns(alias='completeness') -%}
    {{ alias }}.missing_source_days,
    {{ alias }}.is_complete
{%- endmacro %}

{% macro join_completeness(month_column, mart, alias='completeness') -%}
left join {{ ref('int_kpi_completeness') }} as {{ alias }}
    on
        {{ alias }}.mart = '{{ mart }}'
        and {{ month_column }} = {{ alias }}.month
{%- endmacro %}
