"""The words the fork server and the launcher exchange besides payloads and pids.

A module of its own so the launcher, which every process of the instance may load, does not
import the fork server's dependencies (the code location's libraries).
"""

READY = "ready"
STALE = "stale"
