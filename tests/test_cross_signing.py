"""The bot's account is cross-signed at start: master, self-signing and user-signing keys published once, the
bot's device signed by the self-signing key, the keys kept sealed in the private crypto store and in the backup."""
import stat
import subprocess
import sys

from bot import cross_signing
from devserver.provision import call
from tests.harness import REPO


def keys_of(world, user_id: str) -> dict:
    return call(world.syn, "POST", "/_matrix/client/v3/keys/query", world.tokens["coordinator"],
                {"device_keys": {user_id: []}})


async def started(world) -> None:
    """The bot answers: it has been through its start, cross-signing included."""
    coordinator = await world.user("coordinator")
    if not hasattr(world, "dm"):
        world.dm = await coordinator.dm(world.bot_id)
    assert (await coordinator.command(world.dm, "!help")).ok


async def test_the_bot_is_cross_signed_once_and_keeps_its_identity(world):
    await started(world)
    keys = keys_of(world, world.bot_id)
    master = keys["master_keys"][world.bot_id]
    assert master["usage"] == ["master"]
    assert keys["self_signing_keys"][world.bot_id]["usage"] == ["self_signing"]
    devices = keys["device_keys"][world.bot_id]
    assert "ZVHBOT" in devices
    assert cross_signing.signed_by_owner(keys, world.bot_id, "ZVHBOT")  # a valid chain: master -> SSK -> device

    store = world.workdir / "crypto"
    sealed = store / cross_signing.KEYS_FILE
    assert sealed.exists() and master["keys"] and b"ed25519" not in sealed.read_bytes()  # sealed, not plain
    for path in store.iterdir():  # the bot's keys are readable by the bot's user alone
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path

    world.bot.stop()  # a restart keeps the identity: nothing is published again, the device stays signed
    world.bot.start()
    await started(world)
    again = keys_of(world, world.bot_id)
    assert again["master_keys"][world.bot_id]["keys"] == master["keys"]
    assert cross_signing.signed_by_owner(again, world.bot_id, "ZVHBOT")

    result = subprocess.run([sys.executable, "-m", "bot.cli", "backup", "--config", str(world.config_path),
                             "--to", str(world.workdir / "saved")], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    folder = world.workdir / "saved" / result.stdout.strip().split("/")[-1]
    assert (folder / "crypto" / cross_signing.KEYS_FILE).read_bytes() == sealed.read_bytes()


def test_an_unsigned_or_forged_device_is_not_signed_by_its_owner():
    identity = cross_signing.Identity.generate()
    user = "@a:example"
    device = {"user_id": user, "device_id": "D", "algorithms": [], "keys": {"ed25519:D": "k"}}
    signed = cross_signing.sign_json(dict(device), user, identity.keys["self_signing"])
    query = {"master_keys": {user: identity.key_object(user, "master")},
             "self_signing_keys": {user: identity.key_object(user, "self_signing")},
             "device_keys": {user: {"D": signed}}}
    assert cross_signing.signed_by_owner(query, user, "D")
    query["device_keys"][user]["D"] = device  # no signature
    assert not cross_signing.signed_by_owner(query, user, "D")
    other = cross_signing.Identity.generate()  # signed, but by someone else's key
    query["device_keys"][user]["D"] = cross_signing.sign_json(dict(device), user, other.keys["self_signing"])
    assert not cross_signing.signed_by_owner(query, user, "D")


def test_sealed_keys_open_only_with_the_pickle_key(tmp_path):
    identity, made = cross_signing.load_or_create(tmp_path, b"right")
    assert made and stat.S_IMODE((tmp_path / cross_signing.KEYS_FILE).stat().st_mode) == 0o600
    again, made = cross_signing.load_or_create(tmp_path, b"right")
    assert not made and again.public("master") == identity.public("master")
    try:
        cross_signing.load_or_create(tmp_path, b"wrong")
    except cross_signing.CrossSigningError:
        pass
    else:
        raise AssertionError("opened with the wrong key")
