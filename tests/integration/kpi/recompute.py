"""The KPI dictionary recomputed independently: plain SQL over the raw extracts (schema `raw`).

Written from contracts/kpis.md and contracts/sources.md, not from the dbt models: it reads no
staging, intermediate or seed table, and hard-codes the reference data the contracts fix (GL
ranges, channel unit costs, failure-demand reasons, bank holiday rules). The only project
decisions it shares with the warehouse are those docs/warehouse.md records where the contracts
are silent: the reporting window (months from the earliest extract to the reporting date), the
grid of groups (every reporting month x every directorate / service / form seen), and the name
`Unclassified expenditure` for the GL gaps inside 500000-599999. The completeness columns
(missing_source_days, is_complete) and directorate UNALLOCATED are recomputed from the KPI
dictionary's own words: each mart's daily feeds, the days with a file loaded in ops.file_register.

`compare_all(con)` checks every KPI mart of schema `bi` against it: the same rows, counts
exactly, money and rates within 1e-9 (other means within 1e-9 relative).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
from dateutil.easter import easter

# The council's directorates, and UNALLOCATED for money lines, people and positions whose cost centre
# has none on the date.
DIRECTORATES = (
    "ADULTS",
    "CHILDRENS",
    "PUBHEALTH",
    "ENVPLACE",
    "FIRE",
    "RESOURCES",
    "CUSTCULT",
    "UNALLOCATED",
)
# The daily feeds of each monthly KPI mart (contracts/kpis.md, Completeness), by raw table.
DAILY_FEEDS = {
    "kpi_csc_monthly": ("csc_telephony_cdr", "csc_crm_contacts"),
    "kpi_digital_monthly": ("web_eforms",),
    "kpi_workforce_monthly": ("ibc_pa0000", "ibc_pa2001"),
    "kpi_spend_monthly": ("ibc_fi_items",),
    "kpi_budget_monthly": ("ibc_fi_items",),
    "kpi_payment_performance_monthly": ("ibc_fi_items", "ibc_payments"),
}
UNIT_COSTS = {
    "Face to face": "8.62",
    "Phone": "2.83",
    "Web form": "0.15",
    "Email": "2.00",
    "Webchat": "1.00",
    "Social media": "1.00",
    "Letter": "5.00",
}
FAILURE_REASONS = (
    "chasing progress",
    "repeat of unresolved request",
    "did not understand a letter",
    "wrong information given",
    "complaint about a failure",
)
TOLERANCE = 1e-9


def bank_holidays(first_year: int = 2018, last_year: int = 2030) -> list[date]:
    """England and Wales bank holidays by the standing rules, with the one-off changes."""
    days: list[date] = []
    for y in range(first_year, last_year + 1):
        days += [_monday_if_weekend(date(y, 1, 1)), easter(y) - timedelta(2), easter(y) + timedelta(1)]
        days.append(date(2020, 5, 8) if y == 2020 else _first_monday(y, 5))
        days += [date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)] if y == 2022 else [_last_monday(y, 5)]
        if y == 2023:
            days.append(date(2023, 5, 8))
        days.append(_last_monday(y, 8))
        christmas, boxing = date(y, 12, 25), date(y, 12, 26)
        if christmas.weekday() == 5:  # Saturday: Monday and Tuesday off
            days += [date(y, 12, 27), date(y, 12, 28)]
        elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas substitute Tuesday
            days += [date(y, 12, 26), date(y, 12, 27)]
        elif christmas.weekday() == 4:  # Friday: Boxing Day substitute on Monday
            days += [christmas, date(y, 12, 28)]
        else:
            days += [christmas, boxing]
    return sorted(days)


def _monday_if_weekend(d: date) -> date:
    return d + timedelta({5: 2, 6: 1}.get(d.weekday(), 0))


def _first_monday(y: int, m: int) -> date:
    d = date(y, m, 1)
    return d + timedelta((7 - d.weekday()) % 7)


def _last_monday(y: int, m: int) -> date:
    d = date(y, m + 1, 1) - timedelta(1)
    return d - timedelta(d.weekday())


def _values(rows: list[tuple], names: str) -> str:
    body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"(values {body}) as t({names})"


def _literal(value: object) -> str:
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


# The reporting window and working days, shared by every recomputation below.
PRELUDE = f"""
reporting as (
    select
        -- files dated by the period they cover (budget: fiscal year; card statement: the month
        -- before delivery) do not open the window
        min(file_date) filter (where table_name not in ('ibc_budget', 'procurement_card_transactions'))
            as first_date,
        coalesce(max(file_date) filter (where table_name = 'ibc_fi_items'), max(file_date)) as reporting_date
    from ops.file_register where status in ('loaded', 'loaded_with_quarantine')
),
months as (
    select m::date as month, (m + interval 1 month - interval 1 day)::date as month_end,
           row_number() over (order by m) as n
    from (select unnest(generate_series(date_trunc('month', first_date), date_trunc('month', reporting_date),
                                        interval 1 month)) as m from reporting)
),
mart_feeds as (select * from {_values([(m, t) for m, ts in DAILY_FEEDS.items() for t in ts], "mart, feed")}),
loaded_days as (
    select distinct table_name as feed, file_date as day from ops.file_register
    where status in ('loaded', 'loaded_with_quarantine')
),
reported_days as (
    select month, month_end,
           unnest(generate_series(month, least(month_end, reporting_date), interval 1 day))::date as day
    from months, reporting
),
completeness as (
    select f.mart, d.month, count(*) filter (where l.day is null) as missing_source_days,
           count(*) filter (where l.day is null) = 0
               and d.month_end <= (select reporting_date from reporting) as is_complete
    from reported_days d cross join mart_feeds f left join loaded_days l on l.feed = f.feed and l.day = d.day
    group by f.mart, d.month, d.month_end
),
holidays as (select * from {_values([(d,) for d in bank_holidays()], "day")}),
working_days as (
    select d::date as day from (select unnest(generate_series(date '2018-01-01', date '2030-12-31',
                                                              interval 1 day)) as d)
    where isodow(d) <= 5 and d::date not in (select day from holidays)
),
dirs as (select * from {_values([(d,) for d in DIRECTORATES], "directorate")}),
csks as (
    select KOSTL, DATAB, DATBI, ZDIRECT from raw.ibc_csks
    where _source_file = (select max(_source_file) from raw.ibc_csks)
),
fi as (
    select *, case SHKZG when 'H' then -DMBTR else DMBTR end as amount
    from raw.ibc_fi_items
    qualify row_number() over (partition by BUKRS, BELNR, GJAHR, BUZEI order by _source_file desc,
                                                                                _row_number desc) = 1
),
fi_dir as (
    select fi.*, coalesce((select ZDIRECT from csks
                           where csks.KOSTL = fi.KOSTL and fi.BUDAT between DATAB and DATBI
                           order by DATAB desc limit 1), 'UNALLOCATED') as directorate
    from fi
),
doc_vendor as (
    select BUKRS, BELNR, GJAHR, min(LIFNR) as supplier from fi where LIFNR is not null group by all
),
vendors as (
    select * from raw.ibc_lfa1
    qualify row_number() over (partition by LIFNR
                               order by AEDTM desc, _source_file desc, _row_number desc) = 1
),
register as (
    select * from raw.procurement_contracts_register
    where _source_file = (select max(_source_file) from raw.procurement_contracts_register)
),
supplier_ids as (
    select LIFNR as supplier, ZCRN from vendors
    union select supplier, null from doc_vendor where supplier not in (select LIFNR from vendors)
),
supplier_contract as (
    select s.supplier, r.* from supplier_ids s join register r
        on r.lifnr = s.supplier or (r.lifnr is null and r.company_number = s.ZCRN)
),
spend as (
    select fi_dir.*, doc_vendor.supplier,
        case
            when HKONT between '500000' and '509999' then 'Employees'
            when HKONT between '510000' and '510999' then 'Agency staff'
            when HKONT between '520000' and '529999' then 'Premises'
            when HKONT between '530000' and '539999' then 'Transport'
            when HKONT between '540000' and '549999' then 'Supplies and services'
            when HKONT between '550000' and '559999' then 'Third-party payments'
            when HKONT between '560000' and '569999' then 'Transfer payments'
            else 'Unclassified expenditure'
        end as category,
        date_trunc('month', BUDAT)::date as month
    from fi_dir left join doc_vendor using (BUKRS, BELNR, GJAHR)
    where BLART in ('KR', 'KG') and HKONT between '500000' and '599999' and KOSTL is not null
)
"""

WORKFORCE = """
pa0001 as (select * from raw.ibc_pa0001 where _source_file = (select max(_source_file) from raw.ibc_pa0001)),
pa0007 as (select * from raw.ibc_pa0007 where _source_file = (select max(_source_file) from raw.ibc_pa0007)),
-- a person's record for month M: the one valid on the last day, else (they left during M) the one
-- that ends on their last day of service, the latest end in M
person_month as (
    select month, month_end, PERNR,
           arg_max(PERSG, ENDDA) as PERSG, arg_max(KOSTL, ENDDA) as KOSTL,
           least(max(ENDDA), month_end) as on_day
    from months join pa0001 on BEGDA <= month_end and ENDDA >= month
    group by month, month_end, PERNR
),
staff_month as (
    select p.*, coalesce((select ZDIRECT from csks where csks.KOSTL = p.KOSTL and p.on_day between DATAB
                          and DATBI order by DATAB desc limit 1), 'UNALLOCATED') as directorate,
           (select WOSTD from pa0007 w where w.PERNR = p.PERNR and p.on_day between w.BEGDA and w.ENDDA
            order by w.BEGDA desc limit 1) as WOSTD
    from person_month p where PERSG is distinct from '3'
),
month_days as (
    select month, count(*) as working_days from months join working_days on day between month and month_end
    group by all
),
month_end_staff as (
    select month, directorate, count(*) as headcount, sum(coalesce(WOSTD, 0) / 37.0) as fte,
           sum(coalesce(WOSTD, 0) * working_days / 5.0) as contracted_hours
    from staff_month join month_days using (month) where on_day = month_end group by all
),
absence as (
    select * from raw.ibc_pa2001
    qualify row_number() over (partition by PERNR, SUBTY, BEGDA order by AEDTM desc, _source_file desc,
                                                                          _row_number desc) = 1
),
sick_day as (
    select a.PERNR, a.BEGDA, w.day, a.STDAZ,
           count(*) over (partition by a.PERNR, a.BEGDA) as days_in_absence
    from absence a join working_days w on w.day between a.BEGDA and a.ENDDA
    where a.SUBTY = '0100' and a.LOEKZ is distinct from 'X'
),
sickness as (
    select s.month, s.directorate, count(*) as sickness_days,
           sum(coalesce(d.STDAZ, 0) / d.days_in_absence) as sickness_hours
    from sick_day d join staff_month s on d.PERNR = s.PERNR and d.day between s.month and s.month_end
    group by all
),
actions as (
    select * from raw.ibc_pa0000
    qualify row_number() over (partition by PERNR, BEGDA, MASSN order by AEDTM desc, _source_file desc,
                                                                          _row_number desc) = 1
),
moves as (
    select s.month, s.directorate,
           count(*) filter (where a.MASSN = '01' and a.BEGDA between s.month and s.month_end) as starters,
           count(*) filter (where a.MASSN = '10' and a.MASSG is distinct from '06'
                            and a.BEGDA - 1 between s.month and s.month_end) as leavers
    from actions a join staff_month s on a.PERNR = s.PERNR group by all
),
positions as (
    select m.month, p.FTE, p.VACANT,
           coalesce((select ZDIRECT from csks where csks.KOSTL = p.KOSTL and m.month_end between DATAB
                     and DATBI order by DATAB desc limit 1), 'UNALLOCATED') as directorate
    from months m join raw.ibc_positions p on m.month_end between p.BEGDA and p.ENDDA
    where p._source_file = (select max(_source_file) from raw.ibc_positions)
),
vacancy as (
    select month, directorate, sum(FTE) filter (where VACANT = 'X') as vacant, sum(FTE) as total
    from positions group by all
),
agency as (
    select month, directorate, sum(amount) as agency from spend where category = 'Agency staff' group by all
),
grid as (
    select m.month, m.n, d.directorate,
        coalesce(h.headcount, 0) as headcount, coalesce(h.fte, 0) as fte,
        coalesce(s.sickness_days, 0) as sickness_days, coalesce(s.sickness_hours, 0) as sickness_hours,
        h.contracted_hours, coalesce(mv.starters, 0) as starters, coalesce(mv.leavers, 0) as leavers,
        v.vacant, v.total, coalesce(a.agency, 0) as agency
    from months m cross join dirs d
    left join month_end_staff h on h.month = m.month and h.directorate = d.directorate
    left join sickness s on s.month = m.month and s.directorate = d.directorate
    left join moves mv on mv.month = m.month and mv.directorate = d.directorate
    left join vacancy v on v.month = m.month and v.directorate = d.directorate
    left join agency a on a.month = m.month and a.directorate = d.directorate
)
select g.month, g.directorate, g.headcount, g.fte, g.sickness_days,
    case when g.n >= 12 then (select sum(x.sickness_days) / nullif(avg(x.fte), 0) from grid x
                              where x.directorate = g.directorate and x.n between g.n - 11 and g.n) end
        as sickness_days_per_fte_12m,
    g.sickness_hours / nullif(g.contracted_hours, 0) as pct_hours_lost_sickness,
    g.starters, g.leavers,
    case when g.n >= 12 then (select sum(x.leavers) / nullif(avg(x.headcount), 0) from grid x
                              where x.directorate = g.directorate and x.n between g.n - 11 and g.n) end
        as turnover_rate_12m,
    coalesce(g.vacant, 0) / nullif(g.total, 0) as vacancy_rate,
    g.agency as agency_spend_gbp, c.missing_source_days, c.is_complete
from grid g
left join completeness c on c.month = g.month and c.mart = 'kpi_workforce_monthly'
"""

SPEND = """
flags as (
    select s.*,
        exists (select 1 from supplier_contract c
                where c.supplier = s.supplier and c.contract_ref = s.ZCONTRACT
                  and s.BLDAT between c.start_date
                                  and c.end_date + to_months(coalesce(c.max_extension_months, 0)))
            as on_contract,
        exists (select 1 from supplier_contract c where c.supplier = s.supplier) as has_contract,
        coalesce(v.ZSME = 'X', false) as sme,
        coalesce(v.KTOKK = 'VCSE', false)
            or exists (select 1 from supplier_contract c where c.supplier = s.supplier and c.vcse = 'Y')
            as vcse,
        coalesce(v.PSTLZ like 'OX%', false) as local
    from spend s left join vendors v on v.LIFNR = s.supplier
),
totals as (
    select month, directorate, category, sum(amount) as spend,
        sum(amount) filter (where on_contract) as on_c,
        sum(amount) filter (where not on_contract and has_contract) as off_c,
        sum(amount) filter (where not has_contract) as non_c,
        sum(amount) filter (where sme) as sme, sum(amount) filter (where vcse) as vcse,
        sum(amount) filter (where local) as local
    from flags group by all
),
categories as (
    select * from (values ('Employees'), ('Agency staff'), ('Premises'), ('Transport'),
        ('Supplies and services'), ('Third-party payments'), ('Transfer payments'),
        ('Unclassified expenditure')) as t(category)
)
select m.month, d.directorate, c.category,
    coalesce(t.spend, 0) as spend_gbp, coalesce(t.on_c, 0) as on_contract_gbp,
    coalesce(t.off_c, 0) as off_contract_gbp, coalesce(t.non_c, 0) as non_contract_gbp,
    coalesce(t.on_c, 0)::double / nullif(t.spend, 0)::double as pct_on_contract,
    coalesce(t.sme, 0) as sme_gbp, coalesce(t.vcse, 0) as vcse_gbp, coalesce(t.local, 0) as local_gbp,
    cm.missing_source_days, cm.is_complete
from months m cross join dirs d cross join categories c
left join completeness cm on cm.month = m.month and cm.mart = 'kpi_spend_monthly'
left join totals t on t.month = m.month and t.directorate = d.directorate and t.category = c.category
"""

PAYMENTS = """
invoice as (
    select BUKRS, BELNR, GJAHR, min(CPUDT) as received,
        coalesce(arg_min_null(directorate, BUZEI::int)
            filter (where HKONT between '500000' and '599999' and KOSTL is not null),
            'UNALLOCATED') as directorate
    from fi_dir where BLART = 'KR' group by all
),
paid as (
    select i.*, p.paid_on, date_diff('day', i.received, p.paid_on) as days
    from invoice i
    join (select BUKRS, BELNR, GJAHR, min(ZALDT) as paid_on from raw.ibc_payments group by all) p
        using (BUKRS, BELNR, GJAHR)
),
by_month as (
    select date_trunc('month', paid_on)::date as month, directorate, count(*) as n, avg(days) as avg_days,
        count(*) filter (where days <= 30) as b30, count(*) filter (where days between 31 and 60) as b60,
        count(*) filter (where days >= 61) as b61
    from paid group by all
)
select m.month, d.directorate, coalesce(b.n, 0) as invoices_paid, b.avg_days as avg_days_to_pay,
    b.b30 / b.n as pct_paid_within_30_days, b.b60 / b.n as pct_paid_31_60_days,
    b.b61 / b.n as pct_paid_61_plus_days, cm.missing_source_days, cm.is_complete
from months m cross join dirs d left join by_month b on b.month = m.month and b.directorate = d.directorate
left join completeness cm on cm.month = m.month and cm.mart = 'kpi_payment_performance_monthly'
"""

BUDGET = """
budget_rows as (
    select *, case when VERSN = 'ORIG' then 0 else try_cast(substr(VERSN, 4) as int) end as v
    from raw.ibc_budget
),
latest_budget as (
    select * from budget_rows
    qualify dense_rank() over (partition by GJAHR order by _source_file desc, v desc nulls last) = 1
),
budget_month as (
    select b.*, (make_date(b.GJAHR::int, 4, 1) + to_months(b.PERIO - 1))::date as month from latest_budget b
),
budget_line as (
    select b.month, b.WTGBTR,
        coalesce((select ZDIRECT from csks
                  where csks.KOSTL = b.KOSTL and DATAB <= last_day(b.month) and DATBI >= b.month
                  order by DATAB desc limit 1), 'UNALLOCATED') as directorate
    from budget_month b
),
budget as (select month, directorate, sum(WTGBTR) as budget from budget_line group by all),
actual as (
    select date_trunc('month', BUDAT)::date as month, directorate, sum(amount) as actual
    from fi_dir where HKONT between '500000' and '899999' group by all
),
monthly as (
    select m.month, m.month_end, d.directorate, coalesce(b.budget, 0) as budget,
        coalesce(a.actual, 0) as actual, year(m.month) - (month(m.month) < 4)::int as fy
    from months m cross join dirs d
    left join budget b
        on b.month = m.month and b.directorate = d.directorate
    left join actual a on a.month = m.month and a.directorate = d.directorate
)
select x.month, x.directorate, x.budget as budget_gbp, x.actual as actual_gbp,
    x.actual - x.budget as variance_gbp,
    (select sum(budget) from monthly y
     where y.directorate = x.directorate and y.fy = x.fy and y.month <= x.month) as budget_ytd_gbp,
    (select sum(actual) from monthly y
     where y.directorate = x.directorate and y.fy = x.fy and y.month <= x.month) as actual_ytd_gbp,
    (select sum(actual - budget) from monthly y where y.directorate = x.directorate and y.fy = x.fy
                                                 and y.month <= x.month) as variance_ytd_gbp,
    cm.missing_source_days, cm.is_complete
from monthly x
left join completeness cm on cm.month = x.month and cm.mart = 'kpi_budget_monthly'
"""

CSC = f"""
crm as (
    select *, date_trunc('month', created_at)::date as month from raw.csc_crm_contacts
    qualify row_number() over (partition by contact_id order by _source_file desc, _row_number desc) = 1
),
unit_cost as (select * from {_values(list(UNIT_COSTS.items()), "channel, cost")}),
calls as (
    select *, date_trunc('month', timezone('Europe/London', timezone('UTC', offered_at)))::date as month,
        epoch(coalesce(answered_at, ended_at) - offered_at) as wait
    from raw.csc_telephony_cdr where direction = 'inbound'
    qualify row_number() over (partition by call_id order by _source_file desc, _row_number desc) = 1
),
offered as (
    select * from calls where month in (select month from months) and not (answered_at is null and wait < 5)
),
crm_in as (select * from crm where month in (select month from months)),
services as (
    select service from crm_in union select queue from calls where month in (select month from months)
),
resolved as ({{resolved}}),
repeats as (
    select c.contact_id, c.month, c.service, r.customer_key,
        exists (select 1 from crm e join resolved re on re.contact_id = e.contact_id
                where re.customer_key = r.customer_key and e.service = c.service
                  and e.contact_id <> c.contact_id
                  and timezone('UTC', timezone('Europe/London', e.created_at))
                      between timezone('UTC', timezone('Europe/London', c.created_at)) - interval 168 hour
                          and timezone('UTC', timezone('Europe/London', c.created_at))) as is_repeat
    from crm_in c join resolved r on r.contact_id = c.contact_id
),
crm_totals as (
    select c.month, c.service, count(*) as contacts,
        count(*) filter (where channel = 'Phone') as phone,
        count(*) filter (where channel = 'Email') as email,
        count(*) filter (where channel = 'Webchat') as webchat,
        count(*) filter (where channel = 'Web form') as web_form,
        count(*) filter (where channel = 'Face to face') as f2f,
        count(*) filter (where channel in ('Social media', 'Letter')) as other,
        count(*) filter (where outcome = 'Resolved at first contact') as fcr,
        count(*) filter (where outcome <> 'Incomplete') as with_outcome,
        count(*) filter (where lower(trim(reason)) in {FAILURE_REASONS}) as failure,
        coalesce(sum(u.cost::decimal(18, 2)), 0) as cost, avg(satisfaction) as sat
    from crm_in c left join unit_cost u using (channel) group by all
),
repeat_totals as (
    select month, service, count(*) filter (where is_repeat) as repeats, count(*) as resolved_contacts
    from repeats group by all
),
call_totals as (
    select month, queue as service, count(*) as offered, count(answered_at) as answered,
        count(*) filter (where answered_at is null) as abandoned,
        count(*) filter (where answered_at is not null and wait <= 20) as within_20,
        avg(wait) filter (where answered_at is not null) as asa,
        avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(wrap_s, 0))
            filter (where answered_at is not null) as aht
    from offered group by all
)
select m.month, s.service, coalesce(c.contacts, 0) as contacts, coalesce(c.phone, 0) as contacts_phone,
    coalesce(c.email, 0) as contacts_email, coalesce(c.webchat, 0) as contacts_webchat,
    coalesce(c.web_form, 0) as contacts_web_form, coalesce(c.f2f, 0) as contacts_face_to_face,
    coalesce(c.other, 0) as contacts_other, (c.email + c.webchat + c.web_form) / c.contacts as digital_share,
    coalesce(t.offered, 0) as calls_offered, coalesce(t.answered, 0) as calls_answered,
    coalesce(t.abandoned, 0) as calls_abandoned, t.abandoned / nullif(t.offered, 0) as abandonment_rate,
    t.within_20 / nullif(t.offered, 0) as service_level_20s, t.asa as avg_speed_of_answer_s,
    t.aht as avg_handling_time_s,
    c.fcr / nullif(c.with_outcome, 0) as first_contact_resolution_rate,
    c.failure / c.contacts as avoidable_contact_rate,
    r.repeats / nullif(r.resolved_contacts, 0) as repeat_contact_rate_7d,
    coalesce(c.cost, 0) as cost_to_serve_gbp, c.sat as satisfaction_avg,
    cm.missing_source_days, cm.is_complete
from months m cross join services s
left join completeness cm on cm.month = m.month and cm.mart = 'kpi_csc_monthly'
left join crm_totals c on c.month = m.month and c.service = s.service
left join call_totals t on t.month = m.month and t.service = s.service
left join repeat_totals r on r.month = m.month and r.service = s.service
"""

DIGITAL = """
forms as (
    select *, date_trunc('month', timezone('Europe/London', timezone('UTC', started_at)))::date as month
    from raw.web_eforms
    qualify row_number() over (partition by submission_id order by _source_file desc, _row_number desc) = 1
),
in_window as (select * from forms where month in (select month from months)),
counts as (
    select month, form, count(*) as started, count(submitted_at) as completed from in_window group by all
)
select m.month, f.form, coalesce(c.started, 0) as forms_started, coalesce(c.completed, 0) as forms_completed,
    c.completed / c.started as completion_rate, cm.missing_source_days, cm.is_complete
from months m cross join (select distinct form from in_window) f
left join completeness cm on cm.month = m.month and cm.mart = 'kpi_digital_monthly'
left join counts c on c.month = m.month and c.form = f.form
"""

PIPELINE = """
with_individual as (
    select r.*, exists (select 1 from vendors v where v.KTOKK = 'INDV'
                        and (r.lifnr = v.LIFNR or (r.lifnr is null and r.company_number = v.ZCRN))) as indv,
        (select reporting_date from reporting) as rd
    from register r
),
pipeline as (
    select contract_ref, case when indv then 'Redacted personal data' else supplier_name end as supplier_name,
        directorate, category as procurement_category, end_date,
        (year(end_date) - year(rd)) * 12 + month(end_date) - month(rd) - (day(end_date) < day(rd))::int
            as months_to_expiry,
        exists (select 1 from register o where o.category = w.category and o.directorate = w.directorate
                and o.start_date > w.start_date and o.contract_ref <> w.contract_ref) as has_successor,
        status
    from with_individual w
)
select contract_ref, supplier_name, directorate, procurement_category, end_date, months_to_expiry,
    has_successor,
    status = 'Active' and months_to_expiry between 0 and 6 and not has_successor as expiring_without_successor
from pipeline
"""

CARE = """
care_lines as (
    select * from raw.care_payments
    qualify row_number() over (partition by payment_line_id order by _source_file desc, _row_number desc) = 1
),
batches as (select bdu_batch_id, sum(amount_gbp) as care_total from care_lines group by all),
sap as (
    select XBLNR,
        sum(amount) filter (where HKONT between '500000' and '599999' and KOSTL is not null) as total
    from fi where XBLNR like 'BDU%' group by all
)
select b.bdu_batch_id, round(b.care_total, 2) as care_total_gbp, coalesce(s.total, 0) as sap_total_gbp,
    round(b.care_total - coalesce(s.total, 0), 2) as difference_gbp,
    case when s.XBLNR is null then 'missing_in_sap'
         when abs(b.care_total - coalesce(s.total, 0)) < 0.005 then 'matched'
         else 'amount_mismatch' end as status
from batches b left join sap s on s.XBLNR = 'BDU' || b.bdu_batch_id
"""

BENEFITS = """
tracker as (
    select trim(workstream) as workstream, trim(financial_year) as financial_year,
        sum(coalesce(planned_gbp, 0)) as planned, sum(coalesce(forecast_gbp, 0)) as forecast,
        sum(coalesce(delivered_gbp, 0)) as delivered, max(rag_reported) as rag_reported
    from raw.programme_benefits_tracker
    where _source_file = (select max(_source_file) from raw.programme_benefits_tracker)
      and not starts_with(lower(trim(workstream)), 'total')
    group by all
)
select financial_year, workstream, round(planned, 2) as planned_savings_gbp,
    round(forecast, 2) as forecast_gbp,
    round(delivered, 2) as delivered_savings_gbp, round(delivered - planned, 2) as variance_gbp, rag,
    case when rag is null or rag_reported is null then null else rag <> rag_reported end as rag_mismatch
from (select *, case when planned = 0 then null when delivered / planned >= 0.95 then 'G'
                     when delivered / planned >= 0.75 then 'A' else 'R' end as rag from tracker)
"""

NO_RESOLVED_CUSTOMERS = "select null::varchar as contact_id, null::varchar as customer_key where false"
RESOLVED_CUSTOMERS = (
    "select source_record_id as contact_id, customer_key from restricted.customer_xref "
    "where source_system = 'crm' and customer_key is not null"
)

# mart -> (grain columns, recomputation)
MARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "kpi_workforce_monthly": (("month", "directorate"), WORKFORCE),
    "kpi_spend_monthly": (("month", "directorate", "category"), SPEND),
    "kpi_payment_performance_monthly": (("month", "directorate"), PAYMENTS),
    "kpi_budget_monthly": (("month", "directorate"), BUDGET),
    "kpi_csc_monthly": (("month", "service"), CSC),
    "kpi_digital_monthly": (("month", "form"), DIGITAL),
    "contract_pipeline": (("contract_ref",), PIPELINE),
    "care_bdu_reconciliation": (("bdu_batch_id",), CARE),
    "benefits_realisation": (("financial_year", "workstream"), BENEFITS),
}


@dataclass
class Comparison:
    mart: str
    rows: int
    mismatches: list[str] = field(default_factory=list)


def recomputed(con: duckdb.DuckDBPyConnection, mart: str) -> str:
    """The full SQL recomputing one mart from the raw tables."""
    body = MARTS[mart][1]
    if "{resolved}" in body:
        has_xref = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'restricted' and table_name = 'customer_xref'"
        ).fetchall()[0][0]
        body = body.replace("{resolved}", RESOLVED_CUSTOMERS if has_xref else NO_RESOLVED_CUSTOMERS)
    head, _, select = body.rpartition("\nselect ")
    return (
        f"with {PRELUDE.strip()},\n{head.strip().rstrip(',')}\nselect {select}"
        if head.strip()
        else (f"with {PRELUDE.strip()}\nselect {select}")
    )


def compare(con: duckdb.DuckDBPyConnection, mart: str) -> Comparison:
    """Rows and values of bi.<mart> against the recomputation (every difference is listed)."""
    grain = MARTS[mart][0]
    expected_sql = recomputed(con, mart)
    expected = con.sql(expected_sql)
    actual = con.sql(f"select * from bi.{mart}")
    expected_types = dict(zip(expected.columns, (str(t) for t in expected.types), strict=True))
    actual_types = dict(zip(actual.columns, (str(t) for t in actual.types), strict=True))
    result = Comparison(mart, con.execute(f"select count(*) from bi.{mart}").fetchall()[0][0])
    if list(expected_types) != list(actual_types):
        result.mismatches.append(
            f"columns differ: expected {list(expected_types)}, published {list(actual_types)}"
        )
        return result
    checks = []
    for column in actual_types:
        if column in grain:
            continue
        e, a = f'e."{column}"', f'a."{column}"'
        if "DOUBLE" in (expected_types[column], actual_types[column]) or "FLOAT" in actual_types[column]:
            differs = (
                f"({e} is null) <> ({a} is null) or abs({e}::double - {a}::double) "
                f"> {TOLERANCE} * greatest(1, abs({a}::double))"
            )
        elif "DECIMAL" in expected_types[column] or "DECIMAL" in actual_types[column]:
            differs = f"({e} is null) <> ({a} is null) or abs({e} - {a}) > {TOLERANCE}"
        else:
            differs = f"{e} is distinct from {a}"
        checks.append(f"case when {differs} then '{column}' end")
    on = " and ".join(f'e."{g}" is not distinct from a."{g}"' for g in grain)
    keys = ", ".join(f'coalesce(e."{g}", a."{g}")' for g in grain)
    rows = con.execute(
        f"""
        with e as ({expected_sql}), a as (select * from bi.{mart})
        select {keys}, e._present is null as only_published,
               a._present is null as only_expected,
               list_filter([{", ".join(checks) or "null"}], lambda x: x is not null) as columns
        from (select *, true as _present from e) e full join (select *, true as _present from a) a on {on}
        where e._present is null or a._present is null or len(list_filter([{", ".join(checks) or "null"}],
                                                                         lambda x: x is not null)) > 0
        limit 50
        """
    ).fetchall()
    for row in rows:
        key, only_published, only_expected, columns = row[: len(grain)], *row[len(grain) :]
        if only_published:
            result.mismatches.append(f"{key}: published but not expected")
        elif only_expected:
            result.mismatches.append(f"{key}: expected but not published")
        else:
            result.mismatches.append(f"{key}: {', '.join(columns)} differ")
    return result


def compare_all(con: duckdb.DuckDBPyConnection) -> list[Comparison]:
    return [compare(con, mart) for mart in MARTS]
