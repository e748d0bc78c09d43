-- NetSuite-style ERP. Column names are SuiteQL's (lowercase). Booleans are 'T'/'F' as SuiteQL
-- returns them; dates 'YYYY-MM-DD'; lastmodifieddate 'YYYY-MM-DDTHH:MM:SSZ'.
create table if not exists ns_subsidiary (
    id integer primary key, name text not null, country text not null, currency text not null,
    externalid text, isinactive text not null default 'F', lastmodifieddate text not null
);
create table if not exists ns_department (
    id integer primary key, name text not null, externalid text, subsidiary integer,
    isinactive text not null default 'F', lastmodifieddate text not null
);
create table if not exists ns_classification (
    id integer primary key, name text not null, externalid text,
    isinactive text not null default 'F', lastmodifieddate text not null
);
create table if not exists ns_location (
    id integer primary key, name text not null, externalid text, subsidiary integer, country text,
    isinactive text not null default 'F', lastmodifieddate text not null
);
create table if not exists ns_account (
    id integer primary key, acctnumber text not null, fullname text not null, accttype text not null,
    externalid text, isinactive text not null default 'F', lastmodifieddate text not null
);
create table if not exists ns_customer (
    id integer primary key, entityid text not null, companyname text not null, subsidiary integer,
    currency text, externalid text, isinactive text not null default 'F', datecreated text not null,
    lastmodifieddate text not null
);
create table if not exists ns_job (
    id integer primary key,
    entityid text not null,             -- project code, shared with the PSA project code
    companyname text not null,
    parent integer,                     -- customer
    subsidiary integer,
    entitystatus text not null,         -- Pending | In Progress | Closed
    jobbillingtype text not null,       -- TM | FF | NB
    startdate text,
    projectedenddate text,
    enddate text,
    externalid text,
    isinactive text not null default 'F',
    datecreated text not null,
    lastmodifieddate text not null
);
create index if not exists ix_ns_job_mod on ns_job (lastmodifieddate);
create table if not exists ns_employee (
    id integer primary key,
    entityid text,                      -- employee number
    externalid text unique,             -- HCM employee id
    firstname text not null,
    lastname text not null,
    email text,
    title text,
    subsidiary integer,
    department integer,
    class integer,                      -- labor category
    location integer,
    supervisor integer,
    laborcost text,                     -- decimal string, hourly cost
    hiredate text,
    releasedate text,
    isinactive text not null default 'F',
    datecreated text not null,
    lastmodifieddate text not null
);
create index if not exists ix_ns_emp_mod on ns_employee (lastmodifieddate);
create table if not exists ns_resourceallocation (
    id integer primary key,
    allocationresource integer not null, -- employee
    project integer not null,            -- job
    startdate text not null,
    enddate text not null,
    allocationamount real not null,      -- hours per day
    allocationunit text not null default 'H',
    externalid text unique,              -- PSA booking id
    datecreated text not null,
    lastmodifieddate text not null
);
create table if not exists ns_transaction (
    id integer primary key,
    tranid text not null,
    type text not null,                  -- Journal
    trandate text not null,
    subsidiary integer,
    currency text,
    memo text,
    externalid text unique,
    approvalstatus text,
    createddate text not null,
    lastmodifieddate text not null
);
create index if not exists ix_ns_tran_mod on ns_transaction (lastmodifieddate);
create table if not exists ns_transactionline (
    uniquekey integer primary key,
    "transaction" integer not null,
    id integer not null,                 -- line number within the transaction
    account integer not null,
    debit text,                          -- decimal strings
    credit text,
    memo text,
    entity integer,                      -- employee
    department integer,
    class integer,
    subsidiary integer,
    custcol_cw_project integer,          -- job
    custcol_cw_time_entry text,          -- PSA time entry id
    custcol_cw_entry_version text,       -- PSA time entry updated_at that was posted
    custcol_cw_hours text,
    custcol_cw_cost_rate text,
    custcol_cw_pay_run text,             -- payroll run uuid (payroll journals)
    linelastmodifieddate text not null
);
create index if not exists ix_ns_tl_tran on ns_transactionline ("transaction");
create index if not exists ix_ns_tl_entry on ns_transactionline (custcol_cw_time_entry);
create index if not exists ix_ns_tl_mod on ns_transactionline (linelastmodifieddate);
-- What SuiteQL serves of a line: transactionline holds the line's own fields and its amounts in
-- the transaction's currency; the GL impact (account, debit, credit, posting) is on
-- transactionaccountingline, one row per line and accounting book (one book here), joined on
-- (transaction, transactionline) as on a real account. The key is unique, so SQLite leaves a LEFT
-- JOIN out of a count that reads none of the accounting line's fields.
create unique index if not exists ux_ns_tl_line on ns_transactionline ("transaction", id);
drop index if exists ix_ns_tl_line;  -- its non-unique forerunner, in files made by b1b57b8
create view if not exists v_ns_transactionline as
select
    uniquekey, "transaction", id, account, debit as debitforeignamount,
    credit as creditforeignamount, memo, entity, department, class, subsidiary,
    custcol_cw_project, custcol_cw_time_entry, custcol_cw_entry_version, custcol_cw_hours,
    custcol_cw_cost_rate, custcol_cw_pay_run, linelastmodifieddate
from ns_transactionline;
create view if not exists v_ns_transactionaccountingline as
select
    "transaction", id as transactionline, 1 as accountingbook, account, debit, credit,
    printf('%.2f', coalesce(cast(debit as real), 0) - coalesce(cast(credit as real), 0)) as amount,
    'T' as posting, linelastmodifieddate as lastmodifieddate
from ns_transactionline;
create table if not exists ns_deletedrecord (
    id integer primary key,
    recordtype text not null,
    recordid integer not null,
    externalid text,
    name text,
    deleteddate text not null
);
create table if not exists ns_idempotency (
    idempotency_key text primary key,
    job_id integer not null,
    created_at text not null
);
create table if not exists ns_async_job (
    id integer primary key,
    status text not null,                -- succeeded | failed
    record_type text not null,
    record_id integer,
    http_status integer not null,
    error text,
    created_at text not null,
    operation text                       -- create | update | upsert | delete (null if failed)
);
