{#- Helpers that pick the current records out of the raw tables, which keep every delivery.

    latest_snapshot: rows of the newest file of a snapshot feed. Snapshot file names are the feed's
    prefix and the file date (YYYYMMDD), so the greatest name is the newest file.

    latest_version: one row per record key, the latest version of it: the latest change date,
    ties to the file with the later date in its name, then to the later line of that file
    (contracts/sources.md, "Versions"). Pass order_by=[] for feeds without a change date. -#}

{% macro latest_snapshot(relation) %}
select *
from {{ relation }}
where _source_file = (select max(_source_file) from {{ relation }})
{% endmacro %}

{% macro latest_version(relation, key_columns, order_by=['aedtm desc nulls last']) %}
select *
from (
    select
        versions.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by {% for column in order_by %}{{ column }}, {% endfor %}_source_file desc, _row_number desc
        ) as _version_rank
    from {{ relation }} as versions
) as ranked
where _version_rank = 1
{% endmacro %}
