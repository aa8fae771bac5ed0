{#-
    The Transparency Code's £5,000 salary band of an annual salary, stated once: the band's lower
    and upper whole pounds, e.g. 50000.00 -> '50000-54999', 49999.99 -> '45000-49999', 150000 ->
    '150000-154999'; NULL for a NULL salary.
-#}
{% macro salary_band(salary) -%}
    cast(floor({{ salary }} / 5000) * 5000 as {{ dbt.type_bigint() }}) || '-'
    || cast(floor({{ salary }} / 5000) * 5000 + 4999 as {{ dbt.type_bigint() }})
{%- endmacro %}
