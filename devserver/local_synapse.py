"""A throwaway Synapse homeserver on loopback, for tests, benchmarks and `dev` mode.

Standard library only, so it can be imported from the bot's venv while Synapse
itself lives in a separate venv (see `find_synapse_python`).

Everything lives in one work directory: config, secrets, signing key, SQLite
database, media and logs. Reusing a workdir keeps the same users and rooms.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

# Where `./zvh bootstrap` puts the homeserver's venv: the checkout this package lives in (an editable install) or
# the directory the tool is run from (an installed package lives in site-packages, which has no venv beside it).
SOURCE_ROOT = Path(__file__).resolve().parent.parent

# Every rate limiter this Synapse version reads (synapse/config/ratelimiting.py).
# Tests and benchmarks hammer the server from a handful of users on one IP;
# the defaults would throttle them within seconds.
_FAST = {"per_second": 100_000, "burst_count": 100_000}
_RATE_LIMITS = {
    "rc_message": _FAST,
    "rc_registration": _FAST,
    "rc_registration_token_validity": _FAST,
    "rc_login": {"address": _FAST, "account": _FAST, "failed_attempts": _FAST},
    "rc_admin_redaction": _FAST,
    "rc_joins": {"local": _FAST, "remote": _FAST},
    "rc_joins_per_room": _FAST,
    "rc_key_requests": _FAST,
    "rc_3pid_validation": _FAST,
    "rc_invites": {"per_room": _FAST, "per_user": _FAST, "per_issuer": _FAST},
    "rc_third_party_invite": _FAST,
    "rc_media_create": _FAST,
    "rc_presence": {"per_user": _FAST},
    "rc_delayed_event_mgmt": _FAST,
    "rc_room_creation": _FAST,
    "rc_reports": _FAST,
    "rc_user_directory": _FAST,
    "rc_profile": _FAST,
}


# Federation on loopback for tests: a partner server that is down must be tried again within seconds, not after
# Synapse's ten minutes, and a call to it must not hang a client request for minutes.
_FEDERATION_TIMING = {
    "client_timeout": "10s",
    "max_short_retries": 1,
    "max_short_retry_delay": 500,  # ms
    "max_long_retries": 1,
    "max_long_retry_delay": "1s",
    "destination_min_retry_interval": "1s",
    "destination_retry_multiplier": 1.5,
    "destination_max_retry_interval": "3s",
}
# Synapse's DEFAULT_IP_RANGE_BLOCKLIST (synapse/config/server.py) without 127.0.0.0/8.
_BLOCKED_BUT_LOOPBACK = [
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "192.0.0.0/24", "169.254.0.0/16",
    "192.88.99.0/24", "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
    "::1/128", "fe80::/10", "fc00::/7", "2001:db8::/32", "ff00::/8", "fec0::/10",
]
_FEDERATION_LIMITS = {"window_size": 1000, "sleep_limit": 100_000, "sleep_delay": 1, "reject_limit": 100_000,
                      "concurrent": 1000}


@dataclass(frozen=True)
class Federation:
    """How a server federates on loopback over TLS (tests): its name is `host:port`, its federation listener
    serves on that port with a certificate from a throwaway CA (devserver/tls.py), and it trusts that CA only for
    the other servers' certificates (`federation_verify_certificates` stays on)."""

    host: str  # "localhost" or a loopback address ("127.0.0.2"): distinct hosts keep server ACLs meaningful
    port: int
    certificate: Path
    key: Path
    ca: Path
    peers: list[str] = field(default_factory=list)  # the other servers' names; it federates with these only

    @property
    def server_name(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return "127.0.0.1" if self.host == "localhost" else self.host


def _loopback_ranges(names: list[str]) -> list[str]:
    """The loopback addresses of these servers (Synapse refuses private and loopback addresses by default)."""
    hosts = {n.rsplit(":", 1)[0] for n in names}
    return sorted(f"{'127.0.0.1' if h == 'localhost' else h}/32" for h in hosts)


def find_synapse_python() -> str:
    """The Python that has matrix-synapse: $ZVH_SYNAPSE_PYTHON, else .synapse-venv/bin/python in the checkout or
    the current directory, else sys.executable if `import synapse` works there.
    Raises RuntimeError with an actionable message (how to install: `./zvh bootstrap`) otherwise."""
    env = os.environ.get("ZVH_SYNAPSE_PYTHON")
    if env:
        # An explicit choice that is wrong should fail loudly, not fall through.
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise RuntimeError(f"$ZVH_SYNAPSE_PYTHON={env!r} is not an executable file")
        return env
    for root in (SOURCE_ROOT, Path.cwd()):
        venv_python = root / ".synapse-venv" / "bin" / "python"
        if venv_python.is_file() and os.access(venv_python, os.X_OK):
            return str(venv_python)
    # find_spec avoids importing Synapse (slow, heavy) into the caller's process.
    spec = importlib.util.find_spec("synapse")
    if spec and spec.origin and (Path(spec.origin).parent / "app" / "homeserver.py").is_file():
        return sys.executable
    raise RuntimeError(
        "matrix-synapse not found. Run `./zvh bootstrap` to install it into "
        f"{Path.cwd() / '.synapse-venv'}, or point $ZVH_SYNAPSE_PYTHON at a Python "
        "that has matrix-synapse installed."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on this loopback address that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_all(servers: list[LocalSynapse], timeout: float = 90) -> None:
    """Start several servers side by side (each start is mostly waiting for imports)."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready(timeout)
    except BaseException:
        for server in servers:
            server.stop()
        raise


def _port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class LocalSynapse:
    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        server_name: str = "localhost",
        python: str | None = None,
        federation: Federation | None = None,
    ):
        self.workdir = Path(workdir).resolve()
        self.port = port if port is not None else free_port()
        self.federation = federation
        self.server_name = federation.server_name if federation else server_name
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._python = python
        self._proc: subprocess.Popen | None = None
        self._out: BinaryIO | None = None
        self.config_path = self.workdir / "homeserver.yaml"
        self.log_path = self.workdir / "homeserver.log"
        self.stdout_path = self.workdir / "synapse.stdout.log"
        self._pid_path = self.workdir / "synapse.pid"
        self._secrets = self._load_secrets()
        self.shared_secret: str = self._secrets["registration_shared_secret"]

    # --- configuration -------------------------------------------------

    def _load_secrets(self) -> dict[str, str]:
        # Kept in the workdir so a restart reuses them: macaroon_secret_key signs
        # access tokens, so a new one would invalidate every token in the DB.
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / "secrets.json"
        names = ("registration_shared_secret", "macaroon_secret_key", "form_secret")
        data = json.loads(path.read_text()) if path.exists() else {}
        if not all(data.get(n) for n in names):
            data = {n: data.get(n) or secrets.token_urlsafe(32) for n in names}
            path.write_text(json.dumps(data, indent=2))
            path.chmod(0o600)
        return data

    def write_config(self) -> None:
        """Write homeserver.yaml, the log config and (once) the signing key. Idempotent."""
        wd = self.workdir
        (wd / "media_store").mkdir(parents=True, exist_ok=True)

        key_path = wd / "signing.key"
        if not key_path.exists():
            # Synapse's format: "<alg> <version> <unpadded base64 seed>". Any 32
            # random bytes are a valid ed25519 seed, so no Synapse subprocess
            # (several seconds of imports) is needed to make one.
            seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            key_path.write_text(f"ed25519 a_{secrets.token_hex(2)} {seed}\n")
            key_path.chmod(0o600)

        log_config = {
            "version": 1,
            "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "encoding": "utf8",
                }
            },
            "root": {"level": os.environ.get("ZVH_SYNAPSE_LOG_LEVEL", "WARNING"), "handlers": ["file"]},
            "disable_existing_loggers": False,
        }

        config = {
            "server_name": self.server_name,
            "public_baseurl": self.base_url + "/",
            "listeners": self._listeners(),
            "database": {"name": "sqlite3", "args": {"database": str(wd / "homeserver.db")}},
            "media_store_path": str(wd / "media_store"),
            "signing_key_path": str(key_path),
            "log_config": str(wd / "log.config"),
            "report_stats": False,
            "enable_registration": False,
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": self._secrets["macaroon_secret_key"],
            "form_secret": self._secrets["form_secret"],
            # Isolated: never talk to other servers or matrix.org's key server.
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            **self._federation_config(),
            # Less background work and faster start-up / password checks.
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "bcrypt_rounds": 4,  # bcrypt's minimum; 12 costs ~0.25 s per login
            **_RATE_LIMITS,
        }
        # JSON is valid YAML, so no YAML library is needed on this side.
        header = "# Generated by bot/local_synapse.py; rewritten on every start.\n"
        _write_if_changed(wd / "log.config", header + json.dumps(log_config, indent=2) + "\n")
        _write_if_changed(self.config_path, header + json.dumps(config, indent=2) + "\n")

    def _federation_config(self) -> dict[str, Any]:
        fed = self.federation
        if fed is None:
            return {}
        return {
            "federation_domain_whitelist": [self.server_name, *fed.peers],
            "federation_verify_certificates": True,
            "federation_custom_ca_list": [str(fed.ca)],
            "tls_certificate_path": str(fed.certificate),
            "tls_private_key_path": str(fed.key),
            # Loopback is refused by default (SSRF protection). A server named by an IP literal is checked against
            # the federation blocklist alone (the allowlist does not apply to it), so that list is Synapse's
            # default less loopback; the federation whitelist above keeps it to the peers.
            "federation_ip_range_blacklist": _BLOCKED_BUT_LOOPBACK,
            "ip_range_whitelist": _loopback_ranges([self.server_name, *fed.peers]),
            "federation": _FEDERATION_TIMING,
            "rc_federation": _FEDERATION_LIMITS,
        }

    def _listeners(self) -> list[dict[str, Any]]:
        client = {"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                  "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}
        if self.federation is None:
            return [client]
        return [client, {"port": self.federation.port, "bind_addresses": [self.federation.address], "type": "http",
                         "tls": True, "x_forwarded": False,
                         "resources": [{"names": ["federation"], "compress": False}]}]

    # --- process lifecycle ---------------------------------------------

    def start(self, timeout: float = 60) -> None:
        """Start Synapse and wait until it serves the client API."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting for it (several servers start side by side; see `start_all`)."""
        if self.is_running():
            return
        self._check_no_stale_server()
        ports = [self.port] + ([self.federation.port] if self.federation else [])
        for port in ports:
            if _port_in_use(port, self.federation.address if self.federation and port != self.port else "127.0.0.1"):
                # Otherwise a stranger on this port would answer our health check.
                raise RuntimeError(f"port {port} is already in use")
        self.write_config()
        python = self._python or find_synapse_python()
        self._out = open(self.stdout_path, "ab")
        self._proc = subprocess.Popen(
            [python, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C in the terminal doesn't hit it, and
            # stop()/kill() can signal the whole group.
            start_new_session=True,
        )
        self._pid_path.write_text(str(self._proc.pid))
        # Don't leave an orphaned server behind if the caller forgets stop().
        atexit.register(self.stop)

    def wait_ready(self, timeout: float = 60) -> None:
        if self._proc is None:
            raise RuntimeError("Synapse was not launched")
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._cleanup()
                raise RuntimeError(f"Synapse exited during start-up (code {code}).\n{self._logs()}")
            if self._ready():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Synapse did not become ready within {timeout} s.\n{self._logs()}")
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            for path in ("/health", "/_matrix/client/versions"):
                with urllib.request.urlopen(self.base_url + path, timeout=2) as r:
                    if r.status != 200:
                        return False
            return True
        except (OSError, urllib.error.URLError):
            return False

    def _check_no_stale_server(self) -> None:
        # A server left running from a crashed run would hold the SQLite DB.
        try:
            pid = int(self._pid_path.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if str(self.config_path).encode() in cmdline:
            raise RuntimeError(
                f"another Synapse (pid {pid}) is still running on {self.workdir}; "
                f"stop it first (kill {pid})"
            )

    def _logs(self) -> str:
        return (
            f"--- {self.log_path} (tail) ---\n{_tail(self.log_path)}\n"
            f"--- {self.stdout_path} (tail) ---\n{_tail(self.stdout_path)}"
        )

    def _signal(self, sig: int) -> None:
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        """SIGTERM, wait up to 10 s, then SIGKILL. Safe to call twice."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait()
        self._cleanup()

    def kill(self) -> None:
        """SIGKILL at once, as in a crash (for outage tests)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal(signal.SIGKILL)
            self._proc.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        self._proc = None
        if self._out:
            self._out.close()
            self._out = None
        self._pid_path.unlink(missing_ok=True)
        atexit.unregister(self.stop)

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> LocalSynapse:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- users -----------------------------------------------------------

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            # Matrix errors come back as JSON bodies with errcode; let callers see them.
            try:
                return e.code, json.loads(e.read() or b"{}")
            except ValueError:
                return e.code, {}

    def register(self, localpart: str, password: str, admin: bool = False) -> tuple[str, str]:
        """Create a user via the shared-secret admin API; returns (user_id, access_token).
        An existing user is logged in instead, so this is safe to repeat."""
        path = "/_synapse/admin/v1/register"
        status, body = self._request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body}")
        nonce = body["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([
            nonce.encode(), localpart.encode(), password.encode(),
            b"admin" if admin else b"notadmin",
        ]))
        status, body = self._request("POST", path, {
            "nonce": nonce, "username": localpart, "password": password,
            "admin": admin, "mac": mac.hexdigest(),
        })
        if status == 200:
            return body["user_id"], body["access_token"]
        if body.get("errcode") == "M_USER_IN_USE":
            token = self.login(localpart, password)
            return f"@{localpart}:{self.server_name}", token
        raise RuntimeError(f"registering {localpart!r} failed: {status} {body}")

    def login(self, localpart: str, password: str, device_id: str | None = None) -> str:
        """Password login; returns a fresh access token."""
        req = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
        }
        if device_id:
            req["device_id"] = device_id
        status, body = self._request("POST", "/_matrix/client/v3/login", req)
        if status != 200:
            raise RuntimeError(f"login as {localpart!r} failed: {status} {body}")
        return body["access_token"]


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting identical files would only churn mtimes.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
