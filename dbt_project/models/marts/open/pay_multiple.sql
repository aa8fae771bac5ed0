-- The pay multiple (Local Government Transparency Code 2015; contracts/kpis.md, pay_multiple) at
-- each 31 March snapshot: the highest and the median FTE basic salary of the staff in post
-- (int_staff_pay_snapshots: employee groups 1, 2 and 4, with a salary that day) and their ratio.
-- The median is the middle salary, the mean of the two middle ones for an even count, rounded to
-- the penny; the ratio is taken on the published (rounded) figures so a reader can redo it.
with figures as (
    select
        snapshot_date,
        max(annual_salary_gbp) as highest_salary_gbp,
        -- at three decimals the mean of the two middle salaries is exact; rounded half away from zero
        cast(
            round(median(cast(annual_salary_gbp as decimal(18, 3))), 2) as decimal(12, 2)
        ) as median_salary_gbp
    from {{ ref('int_staff_pay_snapshots') }}
    where annual_salary_gbp is not null
    group by snapshot_date
)

select
    snapshot_date,
    cast(extract(year from snapshot_date) - 1 as varchar) || '/'
    || right(cast(extract(year from snapshot_date) as varchar), 2) as financial_year,
    cast(highest_salary_gbp as decimal(12, 2)) as highest_salary_gbp,
    median_salary_gbp,
    cast(highest_salary_gbp as double precision) / cast(median_salary_gbp as double precision) as pay_multiple
from figures
