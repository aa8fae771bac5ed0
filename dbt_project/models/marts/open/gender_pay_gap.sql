-- The gender pay gap (Equality Act 2010 (Specific Duties and Public Authorities) Regulations 2017;
-- contracts/kpis.md, gender_pay_gap) at each 31 March snapshot, over the staff in post with a
-- salary that day (int_staff_pay_snapshots): hourly pay = FTE basic salary / 52.143 / 37; men are
-- GESCH 1, women GESCH 2; anyone else (3, or no PA0002 record) is left out of every figure and
-- counted. Gaps are (men - women) / men of the mean and of the median hourly pay. Quartiles: men
-- and women ordered by hourly pay, ties by PERNR, cut into four groups as equal as can be (the
-- first groups take the remainder, one each). No bonus is paid: the bonus measures are 0.
-- Small-number suppression (docs/statutory.md): the counts of people are suppressed as every open
-- count; the figures are withheld together when men or women number 1 to 7, since a gap or
-- quartile share of so few would disclose salaries.
with staff as (
    select
        snapshot_date,
        person_id,
        gender,
        cast(annual_salary_gbp as double precision) / 52.143 / 37 as hourly_pay
    from {{ ref('int_staff_pay_snapshots') }}
    where annual_salary_gbp is not null
),

men_and_women as (
    select
        snapshot_date,
        person_id,
        gender,
        hourly_pay,
        ntile(4) over (partition by snapshot_date order by hourly_pay, person_id) as quartile
    from staff
    where gender in ('1', '2')
),

{%- set quartiles = ['lower', 'lower_middle', 'upper_middle', 'upper'] %}

figures as (
    select
        snapshot_date,
        {%- for q in quartiles %}
            count(*) filter (where gender = '1' and quartile = {{ loop.index }})
            / cast(nullif(count(*) filter (where quartile = {{ loop.index }}), 0) as double precision)
                as pct_men_{{ q }}_quartile,
        {%- endfor %}
        count(*) filter (where gender = '1') as men_count,
        count(*) filter (where gender = '2') as women_count,
        avg(hourly_pay) filter (where gender = '1') as mean_men,
        avg(hourly_pay) filter (where gender = '2') as mean_women,
        median(hourly_pay) filter (where gender = '1') as median_men,
        median(hourly_pay) filter (where gender = '2') as median_women
    from men_and_women
    group by snapshot_date
),

excluded as (
    select
        snapshot_date,
        count(*) filter (where gender is null or gender not in ('1', '2')) as excluded_count
    from staff
    group by snapshot_date
),

counted as (
    select
        excluded.snapshot_date,
        figures.mean_men,
        figures.mean_women,
        figures.median_men,
        figures.median_women,
        {%- for q in quartiles %}
            figures.pct_men_{{ q }}_quartile,
        {%- endfor %}
        coalesce(
            figures.men_count between 1 and {{ var('small_number_suppression').withhold_up_to }}
            or figures.women_count between 1 and {{ var('small_number_suppression').withhold_up_to }}, false)
            as figures_suppressed,
        {{ suppressed_count('coalesce(figures.men_count, 0)', 'men') }},
        {{ suppressed_count('coalesce(figures.women_count, 0)', 'women') }},
        {{ suppressed_count('excluded.excluded_count', 'gender_not_recorded') }}
    from excluded
    left join figures on excluded.snapshot_date = figures.snapshot_date
)

select
    snapshot_date,
    men,
    men_suppressed,
    women,
    women_suppressed,
    gender_not_recorded,
    gender_not_recorded_suppressed,
    figures_suppressed,
    case when not figures_suppressed then (mean_men - mean_women) / mean_men end as mean_gap,
    case when not figures_suppressed then (median_men - median_women) / median_men end as median_gap,
    {%- for q in quartiles %}
        case when not figures_suppressed then pct_men_{{ q }}_quartile end as pct_men_{{ q }}_quartile,
        case when not figures_suppressed then 1 - pct_men_{{ q }}_quartile end as pct_women_{{ q }}_quartile,
    {%- endfor %}
    cast(0 as double precision) as bonus_mean_gap,
    cast(0 as double precision) as bonus_median_gap,
    cast(0 as double precision) as pct_men_bonus,
    cast(0 as double precision) as pct_women_bonus,
    'No bonus is paid: the bonus measures are 0.' as bonus_statement
from counted
