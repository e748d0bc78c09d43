-- Expression indexes for the identity joins the simulator and truth detectors make across
-- systems (normalised email, external id as text). Loaded after every vendor schema.
create index if not exists ix_x_hv_users_email_key on harvest_users (lower(trim(email)));
create index if not exists ix_x_bhr_emp_email_key on bamboohr_employees (lower(trim(workEmail)));
create index if not exists ix_x_bhr_emp_number on bamboohr_employees (employeeNumber);
create index if not exists ix_x_ns_emp_email_key on ns_employee (lower(trim(email)));
create index if not exists ix_x_gu_emp_code on gusto_employees (employee_code);
create index if not exists ix_x_gu_emp_email_key on gusto_employees (lower(trim(coalesce(work_email, email))));
create index if not exists ix_x_fc_end on forecast_assignments (end_date);
create index if not exists ix_x_tor_emp_status on bamboohr_time_off_requests (employeeId, status);
