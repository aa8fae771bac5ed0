-- One row per customer_key: how the resident deals with the council. CRM contacts by channel,
-- e-forms, the services they are known to, cases raised and still open, repeat contacts (the
-- KPI dictionary's 168-hour rule) and last contact. No direct identifiers.
with customers as (
    select
        customer_key,
        services_used,
        services_used_count,
        last_contact_at
    from {{ ref('dim_customer') }}
),

xref as (
    select * from {{ source('identity', 'customer_xref') }}
),

crm as (
    select
        xref.customer_key,
        contacts.contact_id,
        contacts.created_at_local,
        contacts.channel,
        contacts.service,
        contacts.outcome,
        contacts.case_ref
    from {{ ref('int_contacts') }} as contacts
    inner join xref
        on
            xref.source_system = 'crm'
            and contacts.contact_id = xref.source_record_id
),

contact_counts as (
    select
        crm.customer_key,
        count(*) as contacts,
        count(case when crm.channel = 'Phone' then 1 end) as contacts_phone,
        count(case when crm.channel = 'Email' then 1 end) as contacts_email,
        count(case when crm.channel = 'Webchat' then 1 end) as contacts_webchat,
        count(case when crm.channel = 'Web form' then 1 end) as contacts_web_form,
        count(case when crm.channel = 'Face to face' then 1 end) as contacts_face_to_face,
        count(case when crm.channel = 'Social media' then 1 end) as contacts_social_media,
        count(case when crm.channel = 'Letter' then 1 end) as contacts_letter,
        count(distinct crm.case_ref) as cases_raised,
        count(case when repeats.is_repeat_contact_7d then 1 end) as repeat_contacts_7d
    from crm
    left join {{ ref('int_contact_repeats') }} as repeats
        on crm.contact_id = repeats.contact_id
    group by crm.customer_key
),

-- The CRM records no case closure: a case counts as open until the customer has a later contact
-- about the same service that was resolved at first contact.
open_cases as (
    select
        raised.customer_key,
        count(distinct raised.case_ref) as open_cases
    from crm as raised
    where
        raised.case_ref is not null
        and not exists (
            select 1
            from crm as later
            where
                later.customer_key = raised.customer_key
                and later.service = raised.service
                and later.created_at_local > raised.created_at_local
                and later.outcome = 'Resolved at first contact'
        )
    group by raised.customer_key
),

eform_counts as (
    select
        xref.customer_key,
        count(*) as eforms_started,
        count(eforms.submitted_at_utc) as eforms_submitted
    from {{ ref('stg_web__eforms') }} as eforms
    inner join xref
        on
            xref.source_system = 'eforms'
            and eforms.submission_id = xref.source_record_id
    group by xref.customer_key
)

select
    customers.customer_key,
    coalesce(contact_counts.contacts, 0) as contacts,
    coalesce(contact_counts.contacts_phone, 0) as contacts_phone,
    coalesce(contact_counts.contacts_email, 0) as contacts_email,
    coalesce(contact_counts.contacts_webchat, 0) as contacts_webchat,
    coalesce(contact_counts.contacts_web_form, 0) as contacts_web_form,
    coalesce(contact_counts.contacts_face_to_face, 0) as contacts_face_to_face,
    coalesce(contact_counts.contacts_social_media, 0) as contacts_social_media,
    coalesce(contact_counts.contacts_letter, 0) as contacts_letter,
    coalesce(eform_counts.eforms_started, 0) as eforms_started,
    coalesce(eform_counts.eforms_submitted, 0) as eforms_submitted,
    customers.services_used,
    customers.services_used_count,
    coalesce(contact_counts.cases_raised, 0) as cases_raised,
    coalesce(open_cases.open_cases, 0) as open_cases,
    coalesce(contact_counts.repeat_contacts_7d, 0) as repeat_contacts_7d,
    customers.last_contact_at
from customers
left join contact_counts on customers.customer_key = contact_counts.customer_key
left join open_cases on customers.customer_key = open_cases.customer_key
left join eform_counts on customers.customer_key = eform_counts.customer_key
