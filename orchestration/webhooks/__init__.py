"""Vendor webhooks: verify each delivery, keep it once in a durable inbox (ARCHITECTURE §8)."""
