"""The bot's notion of now. In production it is the system clock; tests shift it to travel through time.

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
