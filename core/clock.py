"""The bot's notion of now, one clock for the whole process: storage stamps, cards, schedules and figures all
read it. In production it is the system clock; tests shift it to travel through time. Matrix transport (retry
delays, how long to wait for a room key, a command's age) runs on real time, as Matrix timestamps do.

ZVH_TEST_CLOCK_FILE names a file holding an offset in seconds added to the system clock (test use only); it is
re-read while the bot runs, and a change re-arms the scheduler. Matrix timestamps stay real.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ENV = "ZVH_TEST_CLOCK_FILE"


class Clock:
    def __init__(self, offset_file: Path | None = None) -> None:
        self.offset_file = offset_file
        self.offset = timedelta(0)
        self._read()

    @classmethod
    def from_env(cls) -> Clock:
        path = os.environ.get(ENV)
        return cls(Path(path) if path else None)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def _read(self) -> bool:
        if self.offset_file is None:
            return False
        try:
            offset = timedelta(seconds=float(self.offset_file.read_text().strip() or 0))
        except (OSError, ValueError):
            return False
        changed = offset != self.offset
        self.offset = offset
        return changed

    async def watch(self, on_change: Callable[[], None], interval: float = 0.1) -> None:
        """Follow the offset file (tests only); without one there is nothing to watch."""
        if self.offset_file is None:
            return
        while True:
            await asyncio.sleep(interval)
            if self._read():
                on_change()


_process_clock: Clock | None = None


def process_clock() -> Clock:
    """The clock of this process (made once, from the environment)."""
    global _process_clock
    if _process_clock is None:
        _process_clock = Clock.from_env()
    return _process_clock


def now() -> datetime:
    return process_clock().now()
