"""Crash points for the exactly-once tests: ZVH_CRASH_AT=<name> makes the process kill itself there (SIGKILL),
as a power cut or OOM kill would. Unset in production; costs one dict lookup."""
import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ZVH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
