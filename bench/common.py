"""What the benchmarks share: the homeserver, the baseline and peer bots as processes, statistics and the report."""
from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from devserver.local_synapse import LocalSynapse

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


class BenchSynapse(LocalSynapse):
    """LocalSynapse with `default_room_version` optionally pinned (None: Synapse's own default, 12 on 1.163),
    to compare room versions (`--room-version 11`)."""

    def __init__(self, workdir: Path, room_version: str | None = None) -> None:
        super().__init__(workdir)
        self.room_version = room_version

    def write_config(self) -> None:
        super().write_config()
        if not self.room_version:
            return
        header, _, body = self.config_path.read_text().partition("\n")
        config = json.loads(body)
        config["default_room_version"] = self.room_version
        self.config_path.write_text(header + "\n" + json.dumps(config, indent=2) + "\n")


class Process:
    """A bot of the benchmark's as its own process (the real bot runs as its own too), its output in a log."""

    def __init__(self, args: list[str], log_path: Path, env: dict[str, str] | None = None,
                 cwd: Path = REPO) -> None:
        self.args = args
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.args, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def null_bot(syn: LocalSynapse, user_id: str, password: str, log_path: Path, store: Path | None = None,
             concurrent: bool = False) -> Process:
    """bench/null_bot.py: with a store it encrypts (and decrypts) like any encrypting client; concurrent: it
    answers the commands of one sync batch at once instead of one after the other."""
    args = [sys.executable, "-m", "bench.null_bot", "--homeserver", syn.base_url, "--user", user_id,
            "--password", password]
    if store is not None:
        args += ["--store", str(store)]
    if concurrent:
        args.append("--concurrent")
    return Process(args, log_path)


def percentile(samples: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(samples: list[float]) -> dict[str, float]:
    """Seconds in, milliseconds out."""
    ms = [s * 1000 for s in samples]
    return {"n": len(ms), "p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95), "mean": statistics.fmean(ms),
            "min": min(ms), "max": max(ms)}


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_at_start": [round(x, 2) for x in load]}


def stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_result(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {path}")


def print_stats(stats: dict[str, dict[str, float]]) -> None:
    width = max(12, *(len(n) + 2 for n in stats))
    print(f"\n{'':<{width}}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}{'min ms':>10}{'max ms':>10}")
    for name, s in stats.items():
        print(f"{name:<{width}}{s['n']:>6}{s['p50']:>10.1f}{s['p95']:>10.1f}{s['mean']:>10.1f}{s['min']:>10.1f}"
              f"{s['max']:>10.1f}")


class Deadline:
    """A run's time budget: each step checks it, so a stuck step ends the run instead of hanging it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()

    def check(self, what: str) -> None:
        if self.left() <= 0:
            raise TimeoutError(f"out of time at: {what}")


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process in MB, from /proc (Linux)."""
    now = peak = 0.0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak
