"""Endpoints, fields and windows of the BambooHR source."""

from __future__ import annotations

VENDOR = "bamboohr"
SECRET_KEYS = ("api_key",)

# BambooHR's "since" for a first, full read: before any employee could have changed.
EPOCH = "1970-01-01T00:00:00+00:00"

CHANGED_PATH = "/employees/changed"
CHANGED_TABLE_PATH = "/employees/changed/tables/{table}"
REPORT_PATH = "/reports/custom"
TIME_OFF_PATH = "/time_off/requests"

# The employee fields the canonical layer needs (the custom report returns `id` on its own).
EMPLOYEE_FIELDS: tuple[str, ...] = (
    "employeeNumber",
    "firstName",
    "lastName",
    "preferredName",
    "workEmail",
    "jobTitle",
    "department",
    "division",
    "location",
    "supervisorEId",
    "hireDate",
    "terminationDate",
    "status",
    "employmentHistoryStatus",
    "payType",
    "customLegalEntity",
    "customCostCenter",
    "customLaborCategory",
    "customBillable",
    "lastChanged",
)

# Raw table name -> BambooHR table alias of `/employees/changed/tables/{table}`.
HISTORY_TABLES: dict[str, str] = {
    "job_info": "jobInfo",
    "compensation": "compensation",
    "employment_status": "employmentStatus",
}

# Time off has no `since` filter: each run re-reads a window from a year before the earliest hire
# to TIME_OFF_LOOKAHEAD_DAYS past today (requests are booked ahead). Both are overridable per
# instance (`time_off_start`, `time_off_lookahead_days`).
TIME_OFF_LEAD_DAYS = 366
TIME_OFF_LOOKAHEAD_DAYS = 730

# Time off types the canonical layer maps (per instance: `time_off_types`); any other is
# quarantined, as BambooHR accounts add types the mapping must learn first.
TIME_OFF_TYPES: tuple[str, ...] = ("Vacation", "Sick", "Parental Leave", "Sabbatical")

# BambooHR field -> raw column (snake_case, so the canonical layer's names do not depend on
# dlt's naming convention; `supervisorEId` would otherwise become `supervisor_e_id`).
EMPLOYEE_COLUMNS: dict[str, str] = {
    "employeeNumber": "employee_number",
    "firstName": "first_name",
    "lastName": "last_name",
    "preferredName": "preferred_name",
    "workEmail": "work_email",
    "jobTitle": "job_title",
    "department": "department",
    "division": "division",
    "location": "location",
    "supervisorEId": "supervisor_eid",
    "hireDate": "hire_date",
    "terminationDate": "termination_date",
    "status": "status",
    "employmentHistoryStatus": "employment_history_status",
    "payType": "pay_type",
    "customLegalEntity": "custom_legal_entity",
    "customCostCenter": "custom_cost_center",
    "customLaborCategory": "custom_labor_category",
    "customBillable": "custom_billable",
    "lastChanged": "last_changed",
}

# Column types, so columns that happen to be all null in a load are still created with the right
# type (and a first load of strings never decides a date column is text).
_KEYS = {"source_relation": {"data_type": "text"}, "id": {"data_type": "bigint"}}
_HISTORY_KEYS = {
    **_KEYS,
    "employee_id": {"data_type": "bigint"},
    "employee_last_changed": {"data_type": "timestamp"},
}
_DELETED = {"_deleted": {"data_type": "bool", "hard_delete": True}}
COLUMNS: dict[str, dict[str, dict[str, object]]] = {
    "employees": {
        **_KEYS,
        **{column: {"data_type": "text"} for column in EMPLOYEE_COLUMNS.values()},
        "supervisor_eid": {"data_type": "bigint"},
        "hire_date": {"data_type": "date"},
        "termination_date": {"data_type": "date"},
        "last_changed": {"data_type": "timestamp"},
        **_DELETED,
    },
    "job_info": {
        **_HISTORY_KEYS,
        "date": {"data_type": "date"},
        "location": {"data_type": "text"},
        "department": {"data_type": "text"},
        "division": {"data_type": "text"},
        "job_title": {"data_type": "text"},
        "reports_to": {"data_type": "bigint"},
        "reports_to_name": {"data_type": "text"},
        **_DELETED,
    },
    "compensation": {
        **_HISTORY_KEYS,
        "start_date": {"data_type": "date"},
        "rate": {"data_type": "text"},
        "rate_amount": {"data_type": "decimal", "precision": 18, "scale": 4},
        "rate_currency": {"data_type": "text"},
        "type": {"data_type": "text"},
        "paid_per": {"data_type": "text"},
        "reason": {"data_type": "text"},
        **_DELETED,
    },
    "employment_status": {
        **_HISTORY_KEYS,
        "date": {"data_type": "date"},
        "employment_status": {"data_type": "text"},
        "termination_reason": {"data_type": "text"},
        **_DELETED,
    },
    "time_off_requests": {
        **_KEYS,
        "employee_id": {"data_type": "bigint"},
        "name": {"data_type": "text"},
        "status": {"data_type": "text"},
        "status_last_changed": {"data_type": "date"},
        "start": {"data_type": "date"},
        "end": {"data_type": "date"},
        "created": {"data_type": "date"},
        "type_id": {"data_type": "bigint"},
        "type_name": {"data_type": "text"},
        "amount_unit": {"data_type": "text"},
        "amount": {"data_type": "double"},
    },
}
