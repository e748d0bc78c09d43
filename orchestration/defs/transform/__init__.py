"""dbt models as Dagster assets, and the published copy of the warehouse that BI tools read."""
