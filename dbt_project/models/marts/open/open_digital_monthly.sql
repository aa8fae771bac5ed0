-- Public e-form figures by month and form: kpi_digital_monthly with small-number suppression
-- (a submission is a resident's).
with suppressed as (
    select
        month,
        form,
        {{ suppressed_count('forms_started', 'forms_started') }},
        {{ suppressed_count('forms_completed', 'forms_completed') }},
        missing_source_days,
        is_complete
    from {{ ref('kpi_digital_monthly') }}
)

select
    month,
    form,
    forms_started,
    forms_started_suppressed,
    forms_completed,
    forms_completed_suppressed,
    {{ suppressed_rate('forms_completed', 'forms_started', 'completion_rate') }},
    missing_source_days,
    is_complete
from suppressed
