-- One row per source file version and check (publication contract): rows in, rows loaded, rows
-- the check refused, and its status. Built from the ingestion bookkeeping: ops.file_register (one
-- row per file version) and ops.ingestion_findings (one row per check that fired on it). Counts a
-- refused file never revealed (it was not read that far) stay NULL rather than pretend to be 0.
--   a check that fired        file_quarantined (the file was refused), rows_quarantined, or warning
--   contract                  passed, for a file version on which no check fired
--   row_conservation          rows in = rows loaded + rows quarantined, for every loaded file version
with files as (
    select
        feed_path,
        table_name,
        file_name,
        file_date,
        version as file_version,
        sha256 as file_sha256,
        status as file_status,
        rows_read as rows_in,
        coalesce(rows_loaded, 0) as rows_loaded,
        rows_quarantined as file_rows_quarantined,
        processed_at,
        version = max(version) over (partition by feed_path, file_name) as is_latest_version,
        -- The version whose rows the warehouse holds: the latest loaded one (register.latest_loaded_files);
        -- a later version refused whole replaces nothing.
        status in ('loaded', 'loaded_with_quarantine') and version = max(version) filter (
            where status in ('loaded', 'loaded_with_quarantine')
        ) over (partition by feed_path, file_name) as is_loaded_version
    from {{ source('ops', 'file_register') }}
),

findings as (
    select
        feed_path,
        file_name,
        version as file_version,
        check_name,
        severity,
        rows_affected,
        message
    from {{ source('ops', 'ingestion_findings') }}
),

checks as (
    select
        files.feed_path,
        files.file_name,
        files.file_version,
        findings.check_name,
        case when findings.severity = 'warning' then 0 else findings.rows_affected end as rows_quarantined,
        case
            when findings.severity = 'warning' then 'warning'
            when files.file_status = 'quarantined' then 'file_quarantined'
            else 'rows_quarantined'
        end as status,
        findings.message as detail
    from files
    inner join findings
        on
            files.feed_path = findings.feed_path
            and files.file_name = findings.file_name
            and files.file_version = findings.file_version
    union all
    select
        feed_path,
        file_name,
        file_version,
        'contract' as check_name,
        0 as rows_quarantined,
        'passed' as status,
        cast(null as {{ dbt.type_string() }}) as detail
    from files
    where
        not exists (
            select 1
            from findings
            where
                findings.feed_path = files.feed_path
                and findings.file_name = files.file_name
                and findings.file_version = files.file_version
        )
    union all
    select
        feed_path,
        file_name,
        file_version,
        'row_conservation' as check_name,
        file_rows_quarantined as rows_quarantined,
        case
            when rows_in = rows_loaded + coalesce(file_rows_quarantined, 0) then 'passed' else 'failed'
        end as status,
        cast(null as {{ dbt.type_string() }}) as detail
    from files
    where file_status <> 'quarantined'
)

select
    files.feed_path,
    files.table_name,
    files.file_name,
    files.file_date,
    files.file_version,
    files.is_latest_version,
    files.is_loaded_version,
    files.file_sha256,
    checks.check_name,
    files.rows_in,
    files.rows_loaded,
    cast(checks.rows_quarantined as bigint) as rows_quarantined,
    checks.status,
    checks.detail,
    files.processed_at
from files
inner join checks
    on
        files.feed_path = checks.feed_path
        and files.file_name = checks.file_name
        and files.file_version = checks.file_version
