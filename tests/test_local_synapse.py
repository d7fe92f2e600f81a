"""End-to-end check of devserver.local_synapse against a real Synapse on loopback."""

import json
import time
import urllib.request

import pytest

from devserver.local_synapse import LocalSynapse, find_synapse_python

try:
    find_synapse_python()
except RuntimeError as e:  # pragma: no cover - only without ./zvh bootstrap
    pytest.skip(str(e), allow_module_level=True)


def whoami(hs: LocalSynapse, token: str) -> str:
    req = urllib.request.Request(
        hs.base_url + "/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["user_id"]


def test_register_restart_and_users_survive(tmp_path):
    hs = LocalSynapse(tmp_path / "hs")
    t0 = time.monotonic()
    with hs:
        cold = time.monotonic() - t0
        assert hs.is_running()
        admin_id, admin_token = hs.register("admin", "admin-pw", admin=True)
        user_id, user_token = hs.register("alice", "alice-pw")
        assert admin_id == "@admin:localhost"
        assert user_id == "@alice:localhost"
        assert whoami(hs, admin_token) == admin_id
        assert whoami(hs, user_token) == user_id

        # Registering again falls back to a password login with a new token.
        again_id, again_token = hs.register("alice", "alice-pw")
        assert again_id == user_id
        assert again_token != user_token
        assert whoami(hs, again_token) == user_id
    assert not hs.is_running()
    hs.stop()  # second stop is a no-op

    # Same workdir: same secrets, same DB, old tokens still valid.
    hs2 = LocalSynapse(tmp_path / "hs")
    assert hs2.shared_secret == hs.shared_secret
    t0 = time.monotonic()
    hs2.start()
    warm = time.monotonic() - t0
    try:
        assert whoami(hs2, user_token) == user_id
        token = hs2.login("alice", "alice-pw", device_id="BOTDEVICE")
        assert whoami(hs2, token) == user_id
        assert hs2.register("admin", "admin-pw", admin=True)[0] == admin_id
    finally:
        hs2.stop()
    assert not hs2.is_running()
    print(f"cold start {cold:.2f} s, warm start {warm:.2f} s")


def test_kill_and_failed_start(tmp_path):
    hs = LocalSynapse(tmp_path / "hs")
    hs.start()
    hs.kill()
    assert not hs.is_running()
    hs.kill()  # idempotent
    # Restart after a crash works on the same workdir.
    hs.start()
    assert hs.is_running()
    hs.stop()

    # A broken interpreter fails fast with the log tail in the message.
    bad = LocalSynapse(tmp_path / "bad", python="/bin/false")
    with pytest.raises(RuntimeError, match="exited during start-up"):
        bad.start(timeout=10)
    assert not bad.is_running()
