{#-
    The pay outputs' conventions (contracts/kpis.md, Statutory outputs; docs/statutory.md), stated once.

    salary_band: the Transparency Code's £5,000 band of an annual salary, lower and upper whole
    pounds: 50000.00 -> '50000-54999', 49999.99 -> '45000-49999', 150000 -> '150000-154999';
    NULL for a NULL salary.

    valid_on_snapshot_dates: the record of each key valid on each 31 March snapshot date
    (int_pay_snapshot_dates) of a history with valid_from / valid_to, the latest valid_from where
    records overlap; `columns` are carried through.
-#}
{% macro salary_band(salary) -%}
    cast(floor({{ salary }} / 5000) * 5000 as {{ dbt.type_bigint() }}) || '-'
    || cast(floor({{ salary }} / 5000) * 5000 + 4999 as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro valid_on_snapshot_dates(relation, key, columns) %}
select
    snapshot_date,
    {{ key }},
    {{ columns | join(', ') }}
from (
    select
        snapshot_dates.snapshot_date,
        records.{{ key }},
        {%- for column in columns %}
        records.{{ column }},
        {%- endfor %}
        row_number() over (
            partition by snapshot_dates.snapshot_date, records.{{ key }} order by records.valid_from desc
        ) as record_rank
    from {{ ref('int_pay_snapshot_dates') }} as snapshot_dates
    inner join {{ relation }} as records
        on snapshot_dates.snapshot_date between records.valid_from and records.valid_to
) as ranked
where record_rank = 1
{% endmacro %}
