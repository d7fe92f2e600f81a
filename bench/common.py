"""What the benchmarks share: the homeserver, the baseline and peer bots as processes, statistics and the report."""
from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from devserver.local_synapse import LocalSynapse

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


class BenchSynapse(LocalSynapse):
    """LocalSynapse with `default_room_version` optionally pinned (None: Synapse's own default, 12 on 1.163),
    to compare room versions (`--room-version 11`)."""

    def __init__(self, workdir: Path, room_version: str | None = None, access_log: bool = False,
                 port: int | None = None) -> None:
        """access_log: every request with its requester and the CPU and database time Synapse spent on it, in
        access.log (see `requests`). port: a kept homeserver's own (the bot's config names it)."""
        super().__init__(workdir, port=port)
        self.room_version = room_version
        self.access_log = workdir / "access.log" if access_log else None

    def write_config(self) -> None:
        super().write_config()
        if self.room_version:
            header, _, body = self.config_path.read_text().partition("\n")
            config = json.loads(body)
            config["default_room_version"] = self.room_version
            self.config_path.write_text(header + "\n" + json.dumps(config, indent=2) + "\n")
        if self.access_log:
            log_path = self.workdir / "log.config"
            header, _, body = log_path.read_text().partition("\n")
            log_config = json.loads(body)
            log_config["handlers"]["access"] = {"class": "logging.FileHandler", "formatter": "precise",
                                                "filename": str(self.access_log), "encoding": "utf8"}
            log_config["loggers"] = {"synapse.access": {"level": "INFO", "handlers": ["access"], "propagate": False}}
            log_path.write_text(header + "\n" + json.dumps(log_config, indent=2) + "\n")


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


def in_tmp(prefix: str, bench: Callable[[Path], Awaitable[Any]], budget: float) -> Any:
    """A benchmark in a throwaway directory, bounded as a whole: a step that hangs ends the run (its own finally,
    which stops the homeserver and the bots, still runs)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        return asyncio.run(asyncio.wait_for(bench(Path(tmp)), budget))


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc; its threads included)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by some processes between start() and stop(), added up over several stretches."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.used = dict.fromkeys(pids, 0.0)
        self._at: dict[str, float] = {}

    def start(self) -> None:
        self._at = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> None:
        for name, pid in self.pids.items():
            self.used[name] += cpu_seconds(pid) - self._at[name]


class Profiler:
    """py-spy recording a running process (raw collapsed stacks), when py-spy is installed (`pip install py-spy`)."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        exe = Path(sys.executable).with_name("py-spy")
        self.proc: subprocess.Popen | None = None
        if exe.exists():
            self.proc = subprocess.Popen([str(exe), "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                                          "--output", str(out), "--nonblocking"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            print("py-spy is not installed: no profile", file=sys.stderr)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT: py-spy writes what it has
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def top_frames(raw: Path, contains: str = "", count: int = 25) -> list[tuple[str, float, float]]:
    """From py-spy's raw output: (function, share of samples with it on the stack, share with it on top), the
    functions whose name or file holds `contains`, most inclusive first."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n_text = line.rpartition(" ")
        if not stack:
            continue
        n = int(n_text)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    chosen = [f for f in inclusive if contains in f]
    chosen.sort(key=lambda f: -inclusive[f])
    return [(f, inclusive[f] / max(total, 1), own.get(f, 0) / max(total, 1)) for f in chosen[:count]]


ACCESS = re.compile(r"\{(?P<who>[^}]*)\} Processed request: (?P<took>[\d.]+)sec/[-\d.]+sec "
                    r"ru=\((?P<user>[\d.]+)sec, (?P<sys>[\d.]+)sec\) db=\([\d.]+sec/(?P<db>[\d.]+)sec/\d+\)"
                    r" \S+ (?P<code>\S+) \"(?P<method>\S+) (?P<path>\S+)")
ID = re.compile(r"![^/?]+|\$[^/?]+|@[^/?]+|%21[^/?]+|%24[^/?]+|%40[^/?]+|/m\.room\.message/[^/?]+|/m\.reaction/[^/?]+")


def requests(access_log: Path, since: float, until: float, who: dict[str, str]) -> dict[str, dict[str, float]]:
    """Synapse's requests between two moments (wall clock), per requester (named by `who`: user id -> name) and
    endpoint (ids left out): how many, and the CPU (user + system) and database time Synapse logged for them."""
    found: dict[str, dict[str, float]] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        match = ACCESS.search(line)
        if not match:
            continue
        at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if not since <= at <= until:
            continue
        path = ID.sub(lambda m: m.group(0)[:m.group(0).find("/", 1) + 1] + "*" if m.group(0).startswith("/m.")
                      else "*", match["path"].split("?")[0])
        key = f"{who.get(match['who'], 'user')} {match['method']} {path}"
        entry = found.setdefault(key, {"count": 0, "cpu_s": 0.0, "db_s": 0.0})
        entry["count"] += 1
        entry["cpu_s"] += float(match["user"]) + float(match["sys"])
        entry["db_s"] += float(match["db"])
    return found
