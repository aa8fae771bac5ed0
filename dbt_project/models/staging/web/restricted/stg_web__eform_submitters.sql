-- Who submitted each e-form and what they wrote (payload). Restricted.
with eforms as (
    {{ latest_version(source('web', 'web_eforms'), ['submission_id'], order_by=[]) }}
)

select
    submission_id,
    form,
    started_at as started_at_utc,
    account_id,
    email,
    first_name,
    last_name,
    dob,
    postcode,
    uprn,
    payload
from eforms
