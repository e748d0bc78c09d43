"""A local sandbox of four vendor APIs (BambooHR, NetSuite, Harvest, Gusto) over one synthetic firm.

The sandbox never imports crosswalk's sources and the sources never import the sandbox: they meet
only over HTTP, exactly as crosswalk meets a real tenant.
"""
