-- Sandbox internals: clock, firm identity (ground truth only), drift truth, write log, webhooks.
create table if not exists sandbox_meta (
    key text primary key,
    value text not null
);

-- One row per real person in the synthetic firm, with their record in each system.
-- Only the generator and the activity simulator read it; emulators and truth detectors never do,
-- because crosswalk cannot see it either.
create table if not exists firm_person (
    person_id integer primary key,
    hcm_id integer,
    harvest_user_id integer,
    netsuite_employee_id integer,
    gusto_employee_uuid text,
    entity_code text not null,
    is_billable integer not null,
    is_hourly integer not null
);

-- What the sandbox deliberately injected (each also shows up in sandbox_drift through detection).
create table if not exists sandbox_injection (
    injection_id integer primary key,
    rule text not null,
    entity_type text not null,
    entity_id text not null,
    systems text not null,
    injected_at text not null,
    cause text not null
);

-- Every disagreement ever detected between systems, kept across evaluations.
create table if not exists sandbox_drift (
    rule text not null,
    entity_type text not null,
    entity_id text not null,
    systems text not null,
    first_seen_at text not null,
    last_seen_at text not null,
    resolved_at text,
    cause text,
    details text,
    primary key (rule, entity_type, entity_id, systems)
);

-- Every create made through a vendor API, with its natural key, to find duplicates.
create table if not exists sandbox_write_log (
    write_id integer primary key,
    system text not null,
    entity text not null,
    natural_key text not null,
    remote_id text not null,
    created_at text not null,
    duplicate_of text
);

create table if not exists sandbox_webhook_subscription (
    subscription_id text primary key,
    system text not null,
    url text not null,
    secret text not null,
    event_types text not null,
    status text not null,
    created_at text not null
);

create table if not exists sandbox_webhook_outbox (
    delivery_id integer primary key,
    subscription_id text not null,
    system text not null,
    body blob not null,
    attempts integer not null default 0,
    next_attempt_at real not null default 0,
    status text not null default 'pending',
    last_status integer,
    created_at text not null
);
create index if not exists ix_outbox_pending on sandbox_webhook_outbox (status, next_attempt_at);

-- Records seeded deliberately bad by --dirty, with the defect: ground truth for quarantine tests.
create table if not exists sandbox_dirty (
    system text not null,
    entity text not null,
    remote_id text not null,
    defect text not null,
    primary key (system, entity, remote_id)
);
