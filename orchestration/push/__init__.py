"""Write-back: push validated deltas (dbt `sync.*`) to the target systems (docs/write-back.md)."""
