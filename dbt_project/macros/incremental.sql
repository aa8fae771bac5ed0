{#- Incremental models (docs/warehouse.md, "Incremental models"): what a night rebuilds.

    An incremental model declares in its config the raw tables it is derived from:
        meta: {incremental: {events: [raw tables whose rows become its rows],
                             references: [raw tables any change of which changes every row]}}
    and uses these macros: `incremental_reset()` as pre-hook, `incremental_record()` as post-hook,
    and `incremental_window(raw table)` as the filter of the raw rows whose keys it rebuilds.

    The state (schema ops, table dbt_incremental_state) holds, per model, the project digest and
    the raw files (table, file name, sha256, rows) its last successful build covered. A build
    compares them with raw now:
      - full (the table emptied, then every row rebuilt) when the model has no state (first build,
        a warehouse rebuilt from archive), the project's models, seeds or macros changed (digest),
        a raw file it covered is gone or holds fewer rows than it did (erasure, retention, a
        repair by hand, a re-send with fewer lines: removed keys must leave the table), or a file
        of a reference table is new or changed. A file replaced by a corrected re-send (same
        name, new sha256, as many rows or more) is a changed file, not a removal;
      - else incremental: the keys delivered in event files dated from the earliest file date among
        the new or changed files (a late or corrected file reopens its own day), minus the var
        `incremental_lookback_days`. The window is by file date, never the clock.
    The state advances in the post-hook, after the model was built: a failed build leaves it, and
    the next build takes the same files again. -#}

{% macro incremental_state() -%}
    {{ target.database }}.ops.dbt_incremental_state
{%- endmacro %}

{% macro create_incremental_state() %}
create schema if not exists {{ target.database }}.ops;
create table if not exists {{ incremental_state() }} (
    model {{ dbt.type_string() }} not null,
    digest {{ dbt.type_string() }} not null,
    raw_table {{ dbt.type_string() }},
    source_file {{ dbt.type_string() }},
    file_sha256 {{ dbt.type_string() }},
    row_count bigint
);
{% endmacro %}

{% macro _raw_relation(table_name) %}
    {%- for node in graph.sources.values() if node.name == table_name -%}
        {{ return(node.relation_name) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("incremental input '" ~ table_name ~ "' is not a dbt source") }}
{% endmacro %}

{% macro _incremental_inputs() %}
    {%- set inputs = model.config.get('meta', {}).get('incremental') -%}
    {%- if not inputs or not inputs.get('events') -%}
        {{ exceptions.raise_compiler_error(model.name ~ " is incremental but declares no meta.incremental.events") }}
    {%- endif -%}
    {{ return({'events': inputs['events'], 'references': inputs.get('references', [])}) }}
{% endmacro %}

{#- One digest of the project's models and seeds (their files' checksums) and macros (their SQL):
    a change to any of them may change any incremental model's rows. orchestration/warehouse.py
    computes the same digest from the manifest to choose --full-refresh before dbt starts (YAML
    changes are not in it: see docs/warehouse.md). -#}
{% macro project_digest() %}
    {%- set parts = [] -%}
    {%- for node in graph.nodes.values() if node.package_name == project_name and node.resource_type in ['model', 'seed'] -%}
        {%- do parts.append(node.unique_id ~ ':' ~ node.checksum.checksum) -%}
    {%- endfor -%}
    {#- The project's macros: dbt's `graph` leaves them out; the project's namespace has them. -#}
    {%- for name, macro in insight_hub.items() -%}
        {%- do parts.append('macro.' ~ project_name ~ '.' ~ name ~ ':' ~ local_md5(macro.macro.macro_sql)) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | sort | join('|'))) }}
{% endmacro %}

{% macro _current_files(tables) %}
    {%- for table_name in tables %}
    select
        '{{ table_name }}' as raw_table,
        _source_file as source_file,
        _file_sha256 as file_sha256,
        count(*) as row_count
    from {{ _raw_relation(table_name) }}
    group by _source_file, _file_sha256
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- The plan of this model's build: {'mode': 'full' | 'incremental', 'from': first file date or none,
    'reason': why}. Deterministic for a given state and raw: the pre-hook and the model agree. -#}
{% macro incremental_plan() %}
    {%- if not execute -%}
        {{ return({'mode': 'full', 'from': none, 'reason': 'parsing'}) }}
    {%- endif -%}
    {#- A unit test has no relation (`this`): it tests the full build's SQL. -#}
    {%- if this is none or not is_incremental() -%}
        {{ return({'mode': 'full', 'from': none, 'reason': 'new table or --full-refresh'}) }}
    {%- endif -%}
    {%- set inputs = _incremental_inputs() -%}
    {%- set tables = inputs['events'] + inputs['references'] -%}
    {%- set query -%}
        with current_files as ({{ _current_files(tables) }}),

        stored as (
            select raw_table, source_file, file_sha256, row_count
            from {{ incremental_state() }}
            where model = '{{ this.identifier }}' and raw_table is not null
        ),

        changed as (
            select * from current_files
            except
            select * from stored
        ),

        register as (
            select table_name, file_name, min(file_date) as file_date
            from {{ _raw_relation('file_register') }}
            group by table_name, file_name
        )

        select
            (select count(*) from {{ incremental_state() }} where model = '{{ this.identifier }}' and raw_table is null)
                as builds,
            (select min(digest) from {{ incremental_state() }} where model = '{{ this.identifier }}' and raw_table is null)
                as digest,
            (
                select count(*) from stored
                where not exists (
                    select 1 from current_files
                    where
                        current_files.raw_table = stored.raw_table
                        and current_files.source_file = stored.source_file
                        and current_files.row_count >= stored.row_count
                )
            ) as removed,
            (
                select count(*) from changed
                where raw_table in ({% for t in inputs['references'] %}'{{ t }}', {% endfor %}'')
            ) as references_changed,
            (
                select min(register.file_date)
                from changed
                left join register on changed.raw_table = register.table_name and changed.source_file = register.file_name
            ) as first_changed_day,
            (
                select count(*)
                from changed
                left join register on changed.raw_table = register.table_name and changed.source_file = register.file_name
                where register.file_date is null
            ) as undated
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row['builds'] == 0 -%}
        {%- set plan = {'mode': 'full', 'from': none, 'reason': 'no incremental state (first build or rebuilt warehouse)'} -%}
    {%- elif row['digest'] != project_digest() -%}
        {%- set plan = {'mode': 'full', 'from': none, 'reason': 'models, seeds or macros changed'} -%}
    {%- elif row['removed'] > 0 -%}
        {%- set plan = {'mode': 'full', 'from': none, 'reason': 'raw rows it was built from were removed'} -%}
    {%- elif row['references_changed'] > 0 -%}
        {%- set plan = {'mode': 'full', 'from': none, 'reason': 'reference data changed'} -%}
    {%- elif row['undated'] > 0 -%}
        {%- set plan = {'mode': 'full', 'from': none, 'reason': 'raw file missing from the file register'} -%}
    {%- else -%}
        {%- set since = none -%}
        {%- if row['first_changed_day'] is not none -%}
            {%- set since = row['first_changed_day'] - modules.datetime.timedelta(days=var('incremental_lookback_days') | int) -%}
        {%- endif -%}
        {%- set plan = {'mode': 'incremental', 'from': since, 'reason': 'new or changed files'} -%}
    {%- endif -%}
    {{ return(plan) }}
{% endmacro %}

{#- A predicate on the rows of `raw_table` (its _source_file column) whose keys this build
    rebuilds: every row when the build is full, the rows of files dated in the window otherwise. -#}
{% macro incremental_window(raw_table) %}
    {%- set plan = incremental_plan() -%}
    {%- if plan['mode'] == 'full' -%}
        1 = 1
    {%- elif plan['from'] is none -%}
        1 = 0
    {%- else -%}
        _source_file in (
            select file_name from {{ _raw_relation('file_register') }}
            where table_name = '{{ raw_table }}' and file_date >= cast('{{ plan['from'] }}' as date)
        )
    {%- endif -%}
{% endmacro %}

{#- Whether an SAP FI document (company code, document number, fiscal year of `document`, a model's
    row) was delivered in the window's files of `raw_table` (a feed keyed by BUKRS, BELNR, GJAHR). -#}
{% macro fi_document_in_window(source_name, raw_table, document) %}
    exists (
        select 1 from {{ source(source_name, raw_table) }} as delivered
        where
            {{ incremental_window(raw_table) }}
            and delivered.bukrs = {{ document }}.company_code
            and delivered.belnr = {{ document }}.document_number
            and delivered.gjahr = {{ document }}.fiscal_year
    )
{%- endmacro %}

{#- Whether this build rebuilds only a window (models filter their keys on it). -#}
{% macro incremental_is_partial() %}
    {{ return(incremental_plan()['mode'] == 'incremental') }}
{% endmacro %}

{% macro incremental_reset() %}
    {%- set plan = incremental_plan() -%}
    {%- if execute -%}
        {{ log(this.identifier ~ ": " ~ plan['mode'] ~ " build" ~ ((" from " ~ plan['from']) if plan['from'] else "") ~ " (" ~ plan['reason'] ~ ")", info=True) }}
    {%- endif -%}
    {%- if is_incremental() and plan['mode'] == 'full' -%}
        delete from {{ this }}
    {%- endif -%}
{% endmacro %}

{% macro incremental_record() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set inputs = _incremental_inputs() -%}
    delete from {{ incremental_state() }} where model = '{{ this.identifier }}';
    insert into {{ incremental_state() }} (model, digest, raw_table, source_file, file_sha256, row_count)
    select '{{ this.identifier }}', '{{ project_digest() }}', null, null, null, null
    union all
    select '{{ this.identifier }}', '{{ project_digest() }}', raw_table, source_file, file_sha256, row_count
    from ({{ _current_files(inputs['events'] + inputs['references']) }}) as current_files
{% endmacro %}
