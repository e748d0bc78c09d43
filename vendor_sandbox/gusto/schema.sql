-- Gusto-style payroll: one company per legal entity. Ids are UUIDs; money decimal strings;
-- every mutable object carries `version` (a hex string; a stale one on PUT -> 409).
create table if not exists gusto_companies (
    uuid text primary key,
    name text not null,
    entity_code text not null,            -- the firm's legal entity code (sandbox bookkeeping)
    refresh_token text not null unique,
    currency text not null
);
create table if not exists gusto_departments (
    uuid text primary key, company_uuid text not null, title text not null, version text not null
);
create table if not exists gusto_locations (
    uuid text primary key, company_uuid text not null, street_1 text not null, city text not null,
    state text not null, zip text not null, country text not null, active integer not null default 1,
    version text not null, created_at text not null, updated_at text not null
);
create table if not exists gusto_employees (
    uuid text primary key,
    company_uuid text not null,
    first_name text not null,
    last_name text not null,
    email text,
    work_email text,
    employee_code text,
    department_uuid text,
    manager_uuid text,
    terminated integer not null default 0,
    current_employment_status text,        -- full_time | part_time_eligible | ...
    onboarded integer not null default 1,
    hired_at text,
    flsa_status text,
    version text not null,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_gu_emp_company on gusto_employees (company_uuid);
create table if not exists gusto_jobs (
    uuid text primary key,
    employee_uuid text not null,
    title text,
    hire_date text,
    rate text not null,
    payment_unit text not null,            -- Hour | Year
    current_compensation_uuid text,
    location_uuid text,
    "primary" integer not null default 1,
    version text not null
);
create index if not exists ix_gu_jobs_emp on gusto_jobs (employee_uuid);
create table if not exists gusto_compensations (
    uuid text primary key,
    job_uuid text not null,
    employee_uuid text not null,
    rate text not null,
    payment_unit text not null,
    flsa_status text not null,             -- Exempt | Nonexempt
    effective_date text not null,
    version text not null
);
create index if not exists ix_gu_comp_job on gusto_compensations (job_uuid);
create table if not exists gusto_terminations (
    uuid text primary key,
    employee_uuid text not null,
    effective_date text not null,
    active integer not null default 1,
    run_termination_payroll integer not null default 0,
    version text not null
);
create table if not exists gusto_pay_schedules (
    uuid text primary key, company_uuid text not null, frequency text not null,
    anchor_pay_date text not null, name text not null, version text not null
);
create table if not exists gusto_payrolls (
    uuid text primary key,
    company_uuid text not null,
    pay_schedule_uuid text,
    start_date text not null,
    end_date text not null,
    check_date text not null,
    payroll_deadline text not null,
    processed integer not null default 0,
    processed_date text,
    off_cycle integer not null default 0,
    gross_pay text,
    net_pay text,
    employer_taxes text,
    employee_taxes text,
    created_at text not null,
    updated_at text not null
);
create index if not exists ix_gu_pr_company on gusto_payrolls (company_uuid, check_date);
-- One pay statement per employee per payroll (Gusto's payroll.employee_compensations[]).
create table if not exists gusto_employee_compensations (
    payroll_uuid text not null,
    employee_uuid text not null,
    gross_pay text not null,
    net_pay text not null,
    payment_method text not null default 'Direct Deposit',
    primary key (payroll_uuid, employee_uuid)
);
-- Pay lines of a statement: earnings (hourly or fixed), taxes, deductions.
create table if not exists gusto_pay_lines (
    line_id integer primary key,
    payroll_uuid text not null,
    employee_uuid text not null,
    line_type text not null,               -- hourly | fixed | tax | deduction
    name text not null,
    hours text,
    amount text not null,
    employer integer not null default 0
);
create index if not exists ix_gu_lines_pr on gusto_pay_lines (payroll_uuid, employee_uuid);
create table if not exists gusto_events (
    seq integer primary key,
    uuid text not null unique,
    company_uuid text not null,
    event_type text not null,
    resource_type text not null,
    resource_uuid text not null,
    entity_type text not null,
    entity_uuid text not null,
    timestamp integer not null             -- Unix seconds (business clock)
);
-- The feed of one company token pages by seq within its company.
create index if not exists ix_gu_events_company on gusto_events (company_uuid, seq);
create index if not exists ix_gu_term_emp on gusto_terminations (employee_uuid);
create index if not exists ix_gu_comp_emp on gusto_compensations (employee_uuid);
create index if not exists ix_gu_emp_dept on gusto_employees (department_uuid);
-- A refresh token exchanged while rotation is on: valid until the access token issued for it
-- (`retired_by`) is first used, as Gusto keeps it (a client whose answer was lost can retry).
create table if not exists gusto_retiring_refresh_tokens (
    refresh_token text primary key,
    company_uuid text not null,
    retired_by text not null
);
create table if not exists gusto_tokens (
    access_token text primary key,
    company_uuid text not null,
    expires_at real not null               -- wall-clock epoch seconds
);
