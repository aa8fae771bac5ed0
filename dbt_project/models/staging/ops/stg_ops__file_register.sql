select
    feed_path,
    table_name,
    file_name,
    file_date,
    sha256,
    version,
    status,
    rows_read,
    rows_loaded,
    rows_quarantined,
    check_failed,
    processed_at
from {{ source('ops', 'file_register') }}
