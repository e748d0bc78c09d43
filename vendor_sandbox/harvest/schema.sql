-- Harvest-style PSA (API v2) plus Forecast-style bookings. Field names are Harvest's.
-- Booleans 0/1; dates 'YYYY-MM-DD'; timestamps 'YYYY-MM-DDTHH:MM:SSZ'. Deletes are hard.
create table if not exists harvest_users (
    id integer primary key,
    first_name text not null,
    last_name text not null,
    email text not null,
    telephone text not null default '',
    timezone text not null,
    has_access_to_all_future_projects integer not null default 0,
    is_contractor integer not null default 0,
    is_active integer not null default 1,
    weekly_capacity integer not null default 144000,
    default_hourly_rate real,
    cost_rate real,
    roles text not null default '[]',
    access_roles text not null default '["member"]',
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_hv_users_upd on harvest_users (updated_at);
create table if not exists harvest_clients (
    id integer primary key,
    name text not null,
    is_active integer not null default 1,
    address text,
    statement_key text not null,
    currency text not null,
    created_at text not null,
    updated_at text not null
);
create table if not exists harvest_projects (
    id integer primary key,
    client_id integer not null,
    name text not null,
    code text,
    is_active integer not null default 1,
    is_billable integer not null default 1,
    is_fixed_fee integer not null default 0,
    bill_by text not null,               -- Project | Tasks | People | none
    hourly_rate real,
    budget real,
    budget_by text not null default 'project',
    budget_is_monthly integer not null default 0,
    notify_when_over_budget integer not null default 0,
    over_budget_notification_percentage real not null default 80,
    show_budget_to_all integer not null default 0,
    cost_budget real,
    cost_budget_include_expenses integer not null default 0,
    fee real,
    notes text not null default '',
    starts_on text,
    ends_on text,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_hv_projects_upd on harvest_projects (updated_at);
create table if not exists harvest_tasks (
    id integer primary key,
    name text not null,
    billable_by_default integer not null default 1,
    default_hourly_rate real,
    is_default integer not null default 0,
    is_active integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create table if not exists harvest_user_assignments (
    id integer primary key,
    project_id integer not null,
    user_id integer not null,
    is_active integer not null default 1,
    is_project_manager integer not null default 0,
    use_default_rates integer not null default 1,
    hourly_rate real,
    budget real,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_hv_ua_user on harvest_user_assignments (user_id);
create index if not exists ix_hv_ua_proj on harvest_user_assignments (project_id);
create index if not exists ix_hv_ua_upd on harvest_user_assignments (updated_at);
create table if not exists harvest_task_assignments (
    id integer primary key,
    project_id integer not null,
    task_id integer not null,
    is_active integer not null default 1,
    billable integer not null default 1,
    hourly_rate real,
    budget real,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_hv_ta_proj on harvest_task_assignments (project_id);
create index if not exists ix_hv_ta_upd on harvest_task_assignments (updated_at);
create table if not exists harvest_time_entries (
    id integer primary key,
    spent_date text not null,
    user_id integer not null,
    user_assignment_id integer,
    client_id integer not null,
    project_id integer not null,
    task_id integer not null,
    task_assignment_id integer,
    external_reference text,             -- json object or null
    hours real not null,
    rounded_hours real not null,
    notes text,
    is_locked integer not null default 0,
    locked_reason text,
    is_closed integer not null default 0, -- approved via timesheet approval
    is_billed integer not null default 0,
    billable integer not null default 1,
    budgeted integer not null default 1,
    billable_rate real,
    cost_rate real,
    created_at text not null,
    updated_at text not null,
    -- Added for the API's timer fields; the generator may leave the defaults.
    is_running integer not null default 0,
    timer_started_at text,               -- 'YYYY-MM-DDTHH:MM:SSZ' while a timer runs
    started_time text,                   -- '9:00am' when tracked by start/end time
    ended_time text
);
create index if not exists ix_hv_te_date on harvest_time_entries (spent_date desc, id desc);
create index if not exists ix_hv_te_upd on harvest_time_entries (updated_at);
create index if not exists ix_hv_te_user on harvest_time_entries (user_id, spent_date);
create index if not exists ix_hv_te_proj on harvest_time_entries (project_id, spent_date);
-- external_reference_id filter (write-back looks entries up by it); most rows have none.
create index if not exists ix_hv_te_extref on harvest_time_entries
    (json_extract(external_reference, '$.id')) where external_reference is not null;
-- Forecast-style schedule bookings. person_id / project_id are the Harvest user / project ids
-- (Forecast mirrors Harvest's people and projects; the sandbox shares their ids).
create table if not exists forecast_assignments (
    id integer primary key,
    project_id integer not null,
    person_id integer not null,
    start_date text not null,
    end_date text not null,
    allocation integer not null,         -- seconds per day
    notes text,
    updated_by_id integer,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_fc_person on forecast_assignments (person_id);
create index if not exists ix_fc_upd on forecast_assignments (updated_at);
-- The emulator caches the JSON of the objects nested in time entries (user, client, project,
-- task, assignments). Any update or delete of those rows, by any writer, bumps this epoch and so
-- empties the cache; inserts need no bump (a new id is simply not cached yet).
create table if not exists harvest_json_epoch (
    id integer primary key check (id = 1),
    epoch integer not null
);
insert or ignore into harvest_json_epoch (id, epoch) values (1, 0);
create trigger if not exists tr_hv_users_upd after update on harvest_users
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_users_del after delete on harvest_users
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_clients_upd after update on harvest_clients
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_clients_del after delete on harvest_clients
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_projects_upd after update on harvest_projects
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_projects_del after delete on harvest_projects
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_tasks_upd after update on harvest_tasks
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_tasks_del after delete on harvest_tasks
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_ua_upd after update on harvest_user_assignments
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_ua_del after delete on harvest_user_assignments
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_ta_upd after update on harvest_task_assignments
    begin update harvest_json_epoch set epoch = epoch + 1; end;
create trigger if not exists tr_hv_ta_del after delete on harvest_task_assignments
    begin update harvest_json_epoch set epoch = epoch + 1; end;
