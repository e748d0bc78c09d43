-- One row per ERP labour journal to post: approved PSA time (hours > 0) whose current version
-- has no ERP journal line once the posting SLA (06:00 UTC the day after the version's day) has
-- passed: exactly the approved_time_not_posted rule, so nothing is posted early or twice.
-- One debit line per entry version (hours × the entry's cost rate, tagged with the entry id and
-- version the rules tie a line to) to the task's labour account; the writer adds one balancing
-- credit to accrued labour. An entry logged while its user had no PSA cost rate is costed at its
-- worker's ERP labour cost (the rate NetSuite's own project costing uses), so it is posted, not
-- left unposted for ever.
--
-- Batch unit: one journal per ERP tenant, subsidiary and version day. A journal belongs to one
-- subsidiary in the ERP; the version day keeps a batch's membership stable from the moment it is
-- due (no new version of a past day can appear), so a resend of an unanswered post is the same
-- delta, and a day's journal stays small enough to read. The journal's externalId is its
-- natural key and carries the delta id: a version left out of a posted batch (quarantined, late)
-- makes a new batch with a new id instead of colliding with the posted one. A line the payload
-- model must refuse (no cost rate anywhere, a task with no labour account) is a journal of its
-- own, `labour:<subsidiary>:<day>:<entry>`: it alone is quarantined, and the day's others post.
-- The entries due are the rule's own findings (one definition of "due", held in the rule), as
-- this build's drift_observations holds them: the rule judges every approved entry against the
-- ERP's lines, once a build (on `large` that is seconds; reading the rule's view here did it twice).
-- The rule names an entry by its PSA id, which two PSA instances can both hold; so does the ERP
-- line that posts it (custcol_cw_time_entry). An id one instance holds is that instance's due
-- entry; a shared one could be another instance's entry (unapproved, not due, or posted), so the
-- rule says it waits for a person (details.waits_for) and it is not posted (docs/write-back.md).
with unposted as (
    select distinct entity_id
    from {{ ref('drift_observations') }}
    where rule = 'approved_time_not_posted' and {{ json_text('details', 'waits_for') }} is null
),

due as (
    select t.*
    from {{ ref('rec_clean_time_entries') }} as t
    inner join unposted on unposted.entity_id = t.remote_id
),

erp_instances as (
    select distinct source_relation as target_instance from {{ ref('stg_netsuite__jobs') }}
),

-- Each due entry's line cost and labour account (macros/time_entry_costs.sql), per ERP tenant.
costed as (
    select c.*, i.target_instance
    from ({{ costed_time_entries('due') }}) as c
    cross join erp_instances as i
),

jobs as (
    select project_code, min(job_id) as job_id, min(subsidiary_id) as subsidiary_id
    from {{ ref('stg_netsuite__jobs') }}
    where not is_deleted
    group by project_code
),

lines as (
    select
        t.target_instance,
        -- The worker's legal entity books their cost; an unmatched worker's, the project's.
        coalesce(w.erp_subsidiary_id, j.subsidiary_id) as subsidiary_id,
        cast(t.remote_updated_at as date) as version_date,
        t.remote_id,
        case when not t.is_costable then t.remote_id end as refused_entry,
        {{ json_object_text([
            ('time_entry_id', 't.remote_id'),
            ('entry_version', 't.remote_updated_at'),
            ('hours', 't.hours'),
            ('cost_rate', 't.line_cost_rate'),
            ('amount', 'round(t.hours * t.line_cost_rate, 2)'),
            ('gl_account_id', 't.gl_account_id'),
            ('erp_employee_id', 't.erp_employee_id'),
            ('erp_job_id', 'j.job_id'),
        ]) }} as line
    from costed as t
    left join {{ ref('worker') }} as w on w.worker_id = t.worker_id
    left join {{ ref('stg_harvest__projects') }} as hp
        on hp.source_relation = t.source_relation and hp.remote_id = {{ remote_id('t.project_id') }}
    left join jobs as j on j.project_code = hp.project_code
),

journals as (
    select
        target_instance,
        subsidiary_id,
        version_date,
        'labour:' || coalesce(cast(subsidiary_id as {{ dbt.type_string() }}), 'unmapped') || ':'
            || cast(version_date as {{ dbt.type_string() }})
            || coalesce(':' || refused_entry, '') as entity_id,
        {{ json_object_text([
            ('subsidiary_id', 'subsidiary_id'),
            ('posting_date', 'cast(' ~ dbt.dateadd('day', 1, 'version_date') ~ ' as date)'),
            ('memo', "'Labour cost ' || cast(version_date as " ~ dbt.type_string() ~ ")"),
            ('credit_account_id', var('labour_accrual_account_id', 2100)),
            ('lines', "cast('[' || string_agg(line, ',' order by remote_id) || ']' as json)"),
        ]) }} as payload
    from lines
    group by target_instance, subsidiary_id, version_date, refused_entry
),

keyed as (
    select
        {{ surrogate_key(["'post_approved_time'", 'target_instance', "'post'", 'entity_id',
                          'payload']) }} as delta_id,
        *
    from journals
)

select
    delta_id,
    'post_approved_time' as flow,
    'netsuite' as target_system,
    target_instance,
    'post' as operation,
    'labour_journal' as entity_type,
    entity_id,
    cast(null as {{ dbt.type_string() }}) as target_remote_id,
    'crosswalk-' || delta_id as natural_key,
    payload,
    {{ business_now() }} as observed_at
from keyed
