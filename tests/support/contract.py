"""Raw table names per system (docs/sandbox.md): truth/counts reports them, ingestion lands them."""

RAW_TABLES: dict[str, set[str]] = {
    "bamboohr": {"employees", "job_info", "compensation", "employment_status", "time_off_requests"},
    "netsuite": {
        "subsidiaries",
        "departments",
        "classifications",
        "locations",
        "accounts",
        "customers",
        "jobs",
        "employees",
        "resource_allocations",
        "transactions",
        "transaction_lines",
    },
    "harvest": {
        "users",
        "clients",
        "projects",
        "tasks",
        "user_assignments",
        "task_assignments",
        "time_entries",
        "forecast_assignments",
    },
    "gusto": {
        "employees",
        "jobs",
        "compensations",
        "departments",
        "locations",
        "terminations",
        "pay_schedules",
        "payrolls",
        "payroll_employee_compensations",
    },
}
