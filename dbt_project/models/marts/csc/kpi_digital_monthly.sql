-- E-form KPIs by month and form (contracts/kpis.md, E-forms): submissions by the Europe/London
-- month of started_at (UTC in the file). Every form seen in the reporting months has a row for
-- every reporting month.
with months as (
    select month from {{ ref('int_reporting_months') }}
),

submissions as (
    select
        form,
        submitted_at_utc,
        {{ month_start(utc_to_local('started_at_utc')) }} as month
    from {{ ref('stg_web__eforms') }}
),

in_window as (
    select submissions.*
    from submissions
    inner join months on submissions.month = months.month
),

forms as (
    select distinct form from in_window
),

grid as (
    select
        months.month,
        forms.form
    from months
    cross join forms
),

counts as (
    select
        month,
        form,
        count(*) as forms_started,
        count(submitted_at_utc) as forms_completed
    from in_window
    group by month, form
)

select
    grid.month,
    grid.form,
    cast(coalesce(counts.forms_started, 0) as bigint) as forms_started,
    cast(coalesce(counts.forms_completed, 0) as bigint) as forms_completed,
    {{ safe_rate('counts.forms_completed', 'counts.forms_started') }} as completion_rate,
    {{ completeness_columns() }}
from grid
left join counts on grid.month = counts.month and grid.form = counts.form
{{ join_completeness('grid.month', 'kpi_digital_monthly') }}
