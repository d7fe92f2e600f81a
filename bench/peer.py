"""A peer, side by side: matrix-reminder-bot (PyPI), a widely used Python bot on matrix-nio, on the same homeserver.

It lives in its own venv (`.peer-venv`, made by `./zvh bench`, or `$ZVH_PEER_BOT` pointing at its
`matrix-reminder-bot` executable), since its dependencies are not the bot's. It answers `!remindme <when>; <text>`
with an m.notice in the same room ("OK, I will remind you on ..."), which is not a Matrix reply: the harness takes
the peer's first notice after the command as its answer (one command at a time, so this is unambiguous).
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from bench.common import REPO, Process
from devserver.local_synapse import LocalSynapse

PACKAGE = "matrix-reminder-bot"


def find_peer() -> Path | None:
    """The peer's executable: $ZVH_PEER_BOT, else .peer-venv/bin/matrix-reminder-bot in the checkout."""
    env = os.environ.get("ZVH_PEER_BOT")
    if env:
        return Path(env) if os.access(env, os.X_OK) else None
    path = REPO / ".peer-venv" / "bin" / PACKAGE
    return path if os.access(path, os.X_OK) else None


def peer_bot(syn: LocalSynapse, user_id: str, password: str, workdir: Path) -> Process:
    """The peer with its own config (YAML; JSON is YAML), SQLite database and crypto store in workdir."""
    exe = find_peer()
    if exe is None:
        raise FileNotFoundError(f"{PACKAGE} is not installed (./zvh bench installs it into .peer-venv)")
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "command_prefix": "!",
        "matrix": {"user_id": user_id, "user_password": password, "homeserver_url": syn.base_url,
                   "device_id": f"PEER{uuid.uuid4().hex[:6].upper()}", "device_name": "peer bot"},
        "storage": {"database": f"sqlite://{workdir / 'peer.db'}", "store_path": str(workdir / "store")},
        "reminders": {"timezone": "Europe/Amsterdam"},
        "allowlist": {"enabled": False, "regexes": []},
        "blocklist": {"enabled": False, "regexes": []},
        "logging": {"level": "WARNING", "console_logging": {"enabled": True},
                    "file_logging": {"enabled": False, "filepath": str(workdir / "peer-file.log")}},
    }
    path = workdir / "config.yaml"
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)
    return Process([str(exe), str(path)], workdir / "peer.log", cwd=workdir)
