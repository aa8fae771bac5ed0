-- Every vendor invoice (BLART KR), paid or not, with the dates the payments compliance notice
-- counts (contracts/kpis.md, payments_compliance_notice; Procurement Regulations 2024 reg. 38):
-- received (CPUDT), payable (30 days after CPUDT), paid (the earliest ZALDT, as
-- int_invoice_payments defines it, NULL while unpaid), and whether it is under a public contract:
-- a line's ZCONTRACT names a contract of the latest register whose total value is at or above the
-- procurement threshold in force on the contract's start date (seed procurement_thresholds; a
-- start date before the earliest row takes the earliest row). Credit notes (KG) are not invoices
-- and are left out; a contract with no start date or no total value cannot be judged against a
-- threshold and counts as not public (docs/statutory.md).
with invoice_lines as (
    select
        company_code,
        document_number,
        fiscal_year,
        entry_date,
        contract_ref
    from {{ ref('int_fi_lines') }}
    where document_type = 'KR'
),

thresholds as (
    select
        valid_from,
        threshold_gbp,
        lead(valid_from) over (order by valid_from) as next_valid_from,
        row_number() over (order by valid_from) as threshold_number
    from {{ ref('procurement_thresholds') }}
),

public_contracts as (
    select contracts.contract_ref
    from {{ ref('stg_procurement__contracts') }} as contracts
    inner join thresholds
        on
            (contracts.start_date >= thresholds.valid_from or thresholds.threshold_number = 1)
            and (thresholds.next_valid_from is null or contracts.start_date < thresholds.next_valid_from)
    where contracts.total_value_gbp >= thresholds.threshold_gbp
),

invoices as (
    select
        invoice_lines.company_code,
        invoice_lines.document_number,
        invoice_lines.fiscal_year,
        min(invoice_lines.entry_date) as received_date,
        max(case when public_contracts.contract_ref is not null then 1 else 0 end) = 1
            as is_under_public_contract
    from invoice_lines
    left join public_contracts on invoice_lines.contract_ref = public_contracts.contract_ref
    group by invoice_lines.company_code, invoice_lines.document_number, invoice_lines.fiscal_year
)

select
    invoices.company_code,
    invoices.document_number,
    invoices.fiscal_year,
    invoices.received_date,
    cast({{ dbt.dateadd('day', 30, 'invoices.received_date') }} as date) as payable_date,
    payments.payment_date,
    payments.days_to_pay,
    invoices.is_under_public_contract
from invoices
left join {{ ref('int_invoice_payments') }} as payments
    on
        invoices.company_code = payments.company_code
        and invoices.document_number = payments.document_number
        and invoices.fiscal_year = payments.fiscal_year
