"""What the four vendor sources share: instances and credentials, HTTP retries, quarantine."""
