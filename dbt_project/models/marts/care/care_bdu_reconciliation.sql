-- Care Bulk Data Upload batches against SAP (contracts/kpis.md, care_bdu_reconciliation): one row
-- per batch of the care payments feed, its total against the signed sum of the expense lines of
-- the FI documents whose XBLNR is `BDU` + the batch id. difference_gbp = care - SAP.
with care as (
    select
        bdu_batch_id,
        sum(amount_gbp) as care_total_gbp
    from {{ ref('stg_care__payments') }}
    group by bdu_batch_id
),

sap as (
    select
        reference,
        sum(case when is_expense_line then amount_gbp else 0 end) as sap_total_gbp
    from {{ ref('int_fi_lines') }}
    where reference like 'BDU%'
    group by reference
)

select
    care.bdu_batch_id,
    cast(care.care_total_gbp as decimal(18, 2)) as care_total_gbp,
    cast(coalesce(sap.sap_total_gbp, 0) as decimal(18, 2)) as sap_total_gbp,
    cast(care.care_total_gbp - coalesce(sap.sap_total_gbp, 0) as decimal(18, 2)) as difference_gbp,
    case
        when sap.reference is null then 'missing_in_sap'
        when abs(care.care_total_gbp - sap.sap_total_gbp) < 0.005 then 'matched'
        else 'amount_mismatch'
    end as status
from care
left join sap on {{ dbt.concat(["'BDU'", 'care.bdu_batch_id']) }} = sap.reference
