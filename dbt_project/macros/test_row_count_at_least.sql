{#- A table with fewer rows than `min_rows` fails (e.g. a calendar that lost its years). -#}
{% test row_count_at_least(model, min_rows) %}
select count(*) as row_count from {{ model }}
having count(*) < {{ min_rows }}
{% endtest %}
