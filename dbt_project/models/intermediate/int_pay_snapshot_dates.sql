-- The 31 March snapshot dates of the annual pay outputs (Transparency Code, gender pay gap): the
-- last day of every March of the reporting window that has ended (int_reporting_months.has_ended,
-- the one definition). The monthly HR snapshots hold the whole history, so the newest one answers
-- for every 31 March in the window.
select month_end as snapshot_date
from {{ ref('int_reporting_months') }}
where extract(month from month) = 3 and has_ended
