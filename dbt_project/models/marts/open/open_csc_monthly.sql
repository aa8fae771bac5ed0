-- Public customer service figures by month and service: kpi_csc_monthly with small-number
-- suppression. A contact or a call is a resident getting in touch, so contacts and calls are
-- counted as people. Cost to serve stays internal: it is contacts times a unit cost per channel,
-- so it would give a withheld count away.
with suppressed as (
    select
        month,
        service,
        {{ suppressed_count('contacts', 'contacts') }},
        {{ suppressed_count('contacts_email + contacts_webchat + contacts_web_form', 'contacts_digital') }},
        {{ suppressed_count('calls_offered', 'calls_offered') }},
        {{ suppressed_count('calls_abandoned', 'calls_abandoned') }},
        missing_source_days,
        is_complete
    from {{ ref('kpi_csc_monthly') }}
)

select
    month,
    service,
    contacts,
    contacts_suppressed,
    contacts_digital,
    contacts_digital_suppressed,
    {{ suppressed_rate('contacts_digital', 'contacts', 'digital_share') }},
    calls_offered,
    calls_offered_suppressed,
    calls_abandoned,
    calls_abandoned_suppressed,
    {{ suppressed_rate('calls_abandoned', 'calls_offered', 'abandonment_rate') }},
    missing_source_days,
    is_complete
from suppressed
