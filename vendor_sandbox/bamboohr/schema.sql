-- BambooHR-style HCM. Field names are BambooHR's (camelCase). Dates 'YYYY-MM-DD';
-- timestamps 'YYYY-MM-DDTHH:MM:SS+00:00' (BambooHR's own format in /employees/changed).
create table if not exists bamboohr_employees (
    id integer primary key,
    employeeNumber text,
    firstName text not null,
    lastName text not null,
    preferredName text,
    workEmail text,
    jobTitle text,
    department text,
    division text,
    location text,
    supervisorEId integer,
    hireDate text,
    terminationDate text,
    status text not null,               -- Active | Inactive
    employmentHistoryStatus text,       -- Full-Time | Part-Time | Contractor | Terminated | Leave of Absence
    payType text,                       -- Salary | Hourly
    customLegalEntity text,             -- legal employer code (custom field)
    customCostCenter text,              -- cost center code (custom field)
    customLaborCategory text,           -- labor category code (custom field)
    customBillable text,                -- Yes | No (custom field)
    created text not null,
    lastChanged text not null,
    deletedAt text                      -- deleted employees vanish from every endpoint but /changed
);
create index if not exists ix_bhr_emp_changed on bamboohr_employees (lastChanged);
create index if not exists ix_bhr_emp_email on bamboohr_employees (workEmail);

create table if not exists bamboohr_job_info (
    id integer primary key,
    employeeId integer not null,
    date text not null,
    location text,
    department text,
    division text,
    jobTitle text,
    reportsTo text,
    lastChanged text not null
);
create index if not exists ix_bhr_job_emp on bamboohr_job_info (employeeId);
create index if not exists ix_bhr_job_changed on bamboohr_job_info (lastChanged);

create table if not exists bamboohr_compensation (
    id integer primary key,
    employeeId integer not null,
    startDate text not null,
    rate_amount text not null,          -- decimal string; served as "75000.00 USD"
    rate_currency text not null,
    type text not null,                 -- Salary | Hourly
    paidPer text not null,              -- Year | Hour
    reason text,
    lastChanged text not null
);
create index if not exists ix_bhr_comp_emp on bamboohr_compensation (employeeId);
create index if not exists ix_bhr_comp_changed on bamboohr_compensation (lastChanged);

create table if not exists bamboohr_employment_status (
    id integer primary key,
    employeeId integer not null,
    date text not null,
    employmentStatus text not null,
    terminationReason text,
    lastChanged text not null
);
create index if not exists ix_bhr_es_emp on bamboohr_employment_status (employeeId);
create index if not exists ix_bhr_es_changed on bamboohr_employment_status (lastChanged);

create table if not exists bamboohr_time_off_requests (
    id integer primary key,
    employeeId integer not null,
    status text not null,               -- requested | approved | denied | canceled
    start text not null,
    "end" text not null,
    type text not null,                 -- Vacation | Sick | Parental Leave | Sabbatical
    amount_days real not null,
    created text not null,
    lastChanged text not null
);
create index if not exists ix_bhr_tor_emp on bamboohr_time_off_requests (employeeId);
create index if not exists ix_bhr_tor_changed on bamboohr_time_off_requests (lastChanged);

create table if not exists bamboohr_webhooks (
    id integer primary key,
    name text not null,
    url text not null,
    privateKey text not null,
    monitorFields text not null,
    postFields text not null,
    created text not null,
    -- BambooHR's field-based webhook events this webhook listens to (JSON list).
    events text not null default
        '["employee_with_fields.created","employee_with_fields.updated","employee_with_fields.deleted"]'
);
