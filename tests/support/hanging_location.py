"""A code location that never finishes loading: its import writes its pid, then sleeps.

For the run launcher's load timeout. The file for the pid is `CROSSWALK_TEST_HANG_PID`.
"""

import os
import time

import dagster as dg

with open(os.environ["CROSSWALK_TEST_HANG_PID"], "w") as pid_file:
    pid_file.write(f"{os.getpid()}\n")
time.sleep(3600)


@dg.op
def never() -> None: ...


@dg.job
def never_loaded() -> None:
    never()
