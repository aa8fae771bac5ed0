-- KPI cells of closed months restated since the previous release (publication contract, KPI pack
-- and restatements), as the restatements step computed them: it compares the KPI marts just built
-- with the previous release's copy, which only Python can open (publication/restatements.py, the
-- Dagster asset ops/restatements between the KPI marts and this model). A dbt build on its own,
-- before that step has ever run on the warehouse, knows no restatement: the table is then empty.
{%- set restated = source('ops', 'restatements') %}
{%- set computed = execute and adapter.get_relation(
    database=restated.database, schema=restated.schema, identifier=restated.identifier
) is not none %}
{%- if computed %}
    select
        table_name,
        month,
        grain,
        column_name,
        change,
        old_value,
        new_value,
        delta,
        source_files,
        cause,
        previous_release_id,
        previous_reporting_date
    from {{ restated }}
{%- else %}
    select
        null::varchar as table_name,
        null::date as month,
        null::varchar as grain,
        null::varchar as column_name,
        null::varchar as change,
        null::double as old_value,
        null::double as new_value,
        null::double as delta,
        null::varchar as source_files,
        null::varchar as cause,
        null::varchar as previous_release_id,
        null::date as previous_reporting_date
    where false
{%- endif %}
