"""The pace of herald's integration tests (imported by the test_*.py).

`make valgrind` (mk/valgrind.mk) runs them with every heraldd and herald
under valgrind memcheck, 20-50 times slower, and sets HERALD_TEST_SLOW=1.
Then SLOW is true and stretch() multiplies a test's deadlines, waits and
timing slack by FACTOR, and the tests skip the bounds that valgrind itself
inflates (peak RSS). At normal speed FACTOR is 1: every timeout, wait and
assertion is the one the test states.
"""
import os
import time

SLOW = os.environ.get("HERALD_TEST_SLOW") == "1"
FACTOR = 20 if SLOW else 1


def stretch(seconds):
    """A duration the test states for normal speed, at the current pace."""
    return seconds * FACTOR


def wait_for(cond, seconds, step=0.05):
    """Polls cond() until it is true or stretch(seconds) have passed;
    returns its last value."""
    end = time.time() + stretch(seconds)
    while True:
        v = cond()
        if v or time.time() >= end:
            return v
        time.sleep(step)
