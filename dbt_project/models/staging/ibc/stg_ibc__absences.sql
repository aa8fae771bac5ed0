-- PA2001 absences: the latest version of each PERNR + SUBTY + BEGDA over every daily delta; a
-- latest version marked deleted (LOEKZ = X) removes the absence.
with pa2001 as (
    {{ latest_version(source('ibc', 'ibc_pa2001'), ['pernr', 'subty', 'begda']) }}
)

select
    pernr as person_id,
    subty as absence_type,
    begda as valid_from,
    endda as valid_to,
    abwtg as recorded_working_days,
    stdaz as recorded_hours,
    aedtm as changed_on
from pa2001
where loekz is null or loekz <> 'X'
