-- Budget lines of the latest version of each fiscal year. A BUDGET_YYYY file holds every version
-- issued so far (ORIG, then REV1, REV2, ...); the newest file holding a fiscal year is used and,
-- in it, the highest version (REVn ranks by its number n, so REV10 follows REV9).
with budget as (
    select
        *,
        case
            when versn = 'ORIG' then 0
            else {{ dbt.safe_cast("replace(versn, 'REV', '')", api.Column.translate_type('integer')) }}
        end as version_number
    from {{ source('ibc', 'ibc_budget') }}
),

versions as (
    select distinct
        gjahr,
        _source_file,
        version_number
    from budget
),

latest_version as (
    select
        gjahr,
        _source_file,
        version_number,
        row_number() over (
            partition by gjahr order by _source_file desc, version_number desc nulls last
        ) as version_rank
    from versions
)

select
    budget.gjahr as fiscal_year,
    budget.versn as budget_version,
    budget.kostl as cost_centre,
    budget.hkont as gl_account,
    budget.perio as fiscal_period,
    budget.wtgbtr as budget_gbp
from budget
inner join latest_version
    on
        budget.gjahr = latest_version.gjahr
        and budget._source_file = latest_version._source_file
        and budget.version_number = latest_version.version_number
where latest_version.version_rank = 1
