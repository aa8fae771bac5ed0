-- E-form submissions: one row per submission_id (a submission delivered again is taken from the
-- later file, then the later line). Timestamps are UTC instants, as written. The submitter's
-- details and the answers (payload) stay in restricted.stg_web__eform_submitters.
with eforms as (
    {{ latest_version(source('web', 'web_eforms'), ['submission_id'], order_by=[]) }}
)

select
    submission_id,
    form,
    started_at as started_at_utc,
    submitted_at as submitted_at_utc,
    account_id is null as is_guest
from eforms
