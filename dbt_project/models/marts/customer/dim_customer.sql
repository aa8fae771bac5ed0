-- One row per resolved resident (the single customer view): the pseudonymous customer_key,
-- where they live (local authority district and postcode district of the golden postcode), age
-- band at the reporting date, the council services they are known to, and their first and last
-- contact. No direct identifiers: names, date of birth, address and full postcode stay in
-- restricted.customer_golden.
with golden as (
    select * from {{ source('identity', 'customer_golden') }}
),

xref as (
    select * from {{ source('identity', 'customer_xref') }}
),

reporting as (
    select reporting_date from {{ ref('int_reporting_date') }}
),

crm_contacts as (
    select
        xref.customer_key,
        contacts.created_at_local as contact_at_local,
        contacts.service
    from {{ ref('int_contacts') }} as contacts
    inner join xref
        on
            xref.source_system = 'crm'
            and contacts.contact_id = xref.source_record_id
),

eform_contacts as (
    select
        xref.customer_key,
        {{ utc_to_local('eforms.started_at_utc') }} as contact_at_local
    from {{ ref('stg_web__eforms') }} as eforms
    inner join xref
        on
            xref.source_system = 'eforms'
            and eforms.submission_id = xref.source_record_id
),

-- The person indexes are service registers: being in one means being known to that service.
registrations as (
    select distinct
        customer_key,
        source_system,
        case source_system
            when 'adult_social_care' then 'Adult Social Care'
            when 'blue_badge' then 'Blue Badge and Concessionary Travel'
            when 'libraries' then 'Libraries'
            when 'school_admissions' then 'School Admissions and Transport'
        end as service
    from xref
    where source_system in ('adult_social_care', 'blue_badge', 'libraries', 'school_admissions')
),

services as (
    select
        customer_key,
        service
    from registrations
    union
    select
        customer_key,
        service
    from crm_contacts
),

services_used as (
    select
        customer_key,
        {{ dbt.listagg('service', "'; '", 'order by service') }} as services_used,
        count(*) as services_used_count
    from services
    group by customer_key
),

registered as (
    select
        customer_key,
        bool_or(source_system = 'adult_social_care') as is_known_to_adult_social_care,
        bool_or(source_system = 'blue_badge') as is_known_to_blue_badge,
        bool_or(source_system = 'libraries') as is_known_to_libraries,
        bool_or(source_system = 'school_admissions') as is_known_to_school_admissions
    from registrations
    group by customer_key
),

contact_span as (
    select
        customer_key,
        min(contact_at_local) as first_contact_at,
        max(contact_at_local) as last_contact_at
    from (
        select
            customer_key,
            contact_at_local
        from crm_contacts
        union all
        select
            customer_key,
            contact_at_local
        from eform_contacts
    ) as all_contacts
    group by customer_key
),

ages as (
    select
        golden.customer_key,
        extract(year from reporting.reporting_date) - extract(year from golden.date_of_birth)
        - case
            when
                extract(month from reporting.reporting_date) * 100
                + extract(day from reporting.reporting_date)
                < extract(month from golden.date_of_birth) * 100 + extract(day from golden.date_of_birth)
                then 1
            else 0
        end as age
    from golden
    cross join reporting
)

select
    golden.customer_key,
    coalesce(
        districts.local_authority_district,
        case when golden.postcode is null then 'Unknown' else 'Outside Oxfordshire' end
    ) as district,
    {{ postcode_district('golden.postcode') }} as postcode_district,
    case
        when ages.age is null or ages.age < 0 then 'Unknown'
        when ages.age < 18 then '0-17'
        when ages.age < 25 then '18-24'
        when ages.age < 35 then '25-34'
        when ages.age < 45 then '35-44'
        when ages.age < 55 then '45-54'
        when ages.age < 65 then '55-64'
        when ages.age < 75 then '65-74'
        when ages.age < 85 then '75-84'
        else '85+'
    end as age_band,
    services_used.services_used,
    coalesce(services_used.services_used_count, 0) as services_used_count,
    coalesce(registered.is_known_to_adult_social_care, false) as is_known_to_adult_social_care,
    coalesce(registered.is_known_to_blue_badge, false) as is_known_to_blue_badge,
    coalesce(registered.is_known_to_libraries, false) as is_known_to_libraries,
    coalesce(registered.is_known_to_school_admissions, false) as is_known_to_school_admissions,
    golden.records as source_records,
    contact_span.first_contact_at,
    contact_span.last_contact_at
from golden
left join ages on golden.customer_key = ages.customer_key
left join {{ ref('postcode_districts') }} as districts
    on {{ postcode_district('golden.postcode') }} = districts.postcode_district
left join services_used on golden.customer_key = services_used.customer_key
left join registered on golden.customer_key = registered.customer_key
left join contact_span on golden.customer_key = contact_span.customer_key
