-- PA0008 from the latest monthly snapshot, which holds the whole history: each person's pay grade,
-- pay point and full-time annual basic salary over time.
with pa0008 as (
    {{ latest_snapshot(source('ibc', 'ibc_pa0008')) }}
)

select
    pernr as person_id,
    begda as valid_from,
    endda as valid_to,
    trfgr as pay_grade,
    trfst as pay_point,
    ansal as annual_salary_gbp,
    aedtm as changed_on
from pa0008
