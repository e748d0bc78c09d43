"""Observability: what only the Dagster instance knows, and the BI figures as asset metadata.

The machinery behind the assets of orchestration/defs/observability (docs/observability.md), one
concern per module: measuring each domain's sync from the instance (`domain_sync`), keeping the
measurements in the warehouse (`measurements`), mirroring the outbox for the backlog marts
(`outbox_mirror`), reading the published health marts (`health_report`) and turning both into
Dagster metadata (`metadata`). SQL over the warehouse is dbt's (models/observability/).
"""
