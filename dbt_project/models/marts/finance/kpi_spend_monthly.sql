-- Spend by month, directorate and expense type (contracts/kpis.md, kpi_spend_monthly): money is
-- 0 where there was no spend; pct_on_contract is NULL where spend is 0 and may leave [0, 1]
-- (credit notes make net spend small or negative).
with categories as (
    select distinct expense_type as category
    from {{ ref('gl_account_ranges') }}
    where account_class = 'expenditure'
),

grid as (
    select
        months.month,
        directorates.directorate,
        categories.category
    from {{ ref('int_reporting_months') }} as months
    cross join {{ ref('directorates') }} as directorates
    cross join categories
),

spend as (
    select
        month,
        directorate,
        category,
        sum(amount_gbp) as spend_gbp,
        sum(case when contract_status = 'on_contract' then amount_gbp else 0 end) as on_contract_gbp,
        sum(case when contract_status = 'off_contract' then amount_gbp else 0 end) as off_contract_gbp,
        sum(case when contract_status = 'non_contract' then amount_gbp else 0 end) as non_contract_gbp,
        sum(case when is_sme then amount_gbp else 0 end) as sme_gbp,
        sum(case when is_vcse then amount_gbp else 0 end) as vcse_gbp,
        sum(case when is_local then amount_gbp else 0 end) as local_gbp
    from {{ ref('fct_spend') }}
    group by month, directorate, category
)

select
    grid.month,
    grid.directorate,
    grid.category,
    cast(coalesce(spend.spend_gbp, 0) as decimal(18, 2)) as spend_gbp,
    cast(coalesce(spend.on_contract_gbp, 0) as decimal(18, 2)) as on_contract_gbp,
    cast(coalesce(spend.off_contract_gbp, 0) as decimal(18, 2)) as off_contract_gbp,
    cast(coalesce(spend.non_contract_gbp, 0) as decimal(18, 2)) as non_contract_gbp,
    {{ safe_rate('spend.on_contract_gbp', 'spend.spend_gbp') }} as pct_on_contract,
    cast(coalesce(spend.sme_gbp, 0) as decimal(18, 2)) as sme_gbp,
    cast(coalesce(spend.vcse_gbp, 0) as decimal(18, 2)) as vcse_gbp,
    cast(coalesce(spend.local_gbp, 0) as decimal(18, 2)) as local_gbp,
    {{ completeness_columns() }}
from grid
left join spend
    on
        grid.month = spend.month
        and grid.directorate = spend.directorate
        and grid.category = spend.category
{{ join_completeness('grid.month', 'kpi_spend_monthly') }}
