"""Deduce's annotations of a text, made in a process of its own.

Deduce's lookup tables take about a gigabyte and seconds to load, and annotating is pure Python: in the bot's
process they would multiply its memory by ten (bench/startup.py) and hold the event loop (and every other user's
answer) while a long text is read. One worker process holds them instead; the bot's process stays small. The worker
is started at the bot's start (`[desk] preload`) or at the first check, and lives as long as the bot's process
(test bots share one); `stop` ends it at once, even while it is still loading."""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

Annotation = tuple[str, int, str]  # tag, start character, text

_pool: ProcessPoolExecutor | None = None
_guard = threading.Lock()
_deduce: Any = None  # in the worker only


def start() -> ProcessPoolExecutor:
    """The worker, started (and loading) if it was not yet."""
    global _pool
    with _guard:
        if _pool is None:
            # spawn, not fork: the bot's process has threads (the database's, nio's), which a fork would copy
            _pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), initializer=_load)
            _pool.submit(_ready)  # the worker starts, and loads, now rather than at the first text
        return _pool


async def annotate(text: str) -> list[Annotation]:
    """What Deduce tags in the text. A worker that died (killed for memory, say) is started again once."""
    for attempt in (1, 2):
        pool = start()
        try:
            return await asyncio.wrap_future(pool.submit(_annotate, text))
        except BrokenProcessPool:
            _forget(pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def stop() -> None:
    """End the worker now: a stopping bot never waits for Deduce to finish loading."""
    global _pool
    with _guard:
        pool, _pool = _pool, None
    if pool is not None:
        for process in list(getattr(pool, "_processes", {}).values()):  # no public way to end a busy worker
            process.kill()  # SIGKILL: a SIGTERM can be ignored (inherited) or held up; the worker keeps no state
        pool.shutdown(wait=False, cancel_futures=True)


def _forget(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _guard:
        if _pool is pool:
            _pool = None


# ---- in the worker ----------------------------------------------------------------------------------------------

def _load() -> None:
    global _deduce
    from deduce import Deduce  # here only: the bot's own process never imports it

    _deduce = Deduce()


def _ready() -> bool:
    return True


def _annotate(text: str) -> list[Annotation]:
    return [(a.tag, a.start_char, a.text) for a in _deduce.deidentify(text).annotations]


if __name__ == "__main__":
    _load()  # `python -m core.annotator`: builds Deduce's lookup tables once after installation (./zvh bootstrap)
