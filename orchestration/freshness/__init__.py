"""Freshness of each business domain against its SLA (ARCHITECTURE §1), and the alerts it raises."""
