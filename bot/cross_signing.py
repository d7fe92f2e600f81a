"""The bot's cross-signing identity: a master key, a self-signing key that signs the bot's device and a
user-signing key, made once and kept (sealed with the pickle key) in the crypto store. With it, clients such as
Element see the bot's device as verified by its owner, and with "exclude insecure devices" still share room keys
with it (MSC4153). Signing and canonical JSON come from matrix.org's signedjson, not from hand-written code."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.secret
import nio
from nio.api import Api
from signedjson.key import (
    decode_signing_key_base64,
    decode_verify_key_bytes,
    encode_signing_key_base64,
    encode_verify_key_base64,
    generate_signing_key,
    get_verify_key,
)
from signedjson.sign import SignatureVerifyException, sign_json, verify_signed_json
from unpaddedbase64 import decode_base64

log = logging.getLogger(__name__)
KEYS_FILE = "cross_signing.sealed"
USAGES = ("master", "self_signing", "user_signing")


class CrossSigningError(Exception):
    """The identity cannot be set up; the message says what the operator can do."""


@dataclass
class Identity:
    """The three private keys (signedjson signing keys whose version is their public key, as Matrix names them)."""

    keys: dict[str, Any]

    @classmethod
    def generate(cls) -> Identity:
        keys = {}
        for usage in USAGES:
            seed = generate_signing_key("new")
            keys[usage] = _named(encode_signing_key_base64(seed))
        return cls(keys)

    def public(self, usage: str) -> str:
        return self.keys[usage].version

    def key_object(self, user_id: str, usage: str) -> dict[str, Any]:
        """The public key as uploaded: the master key bare, the others signed by the master key."""
        pub = self.public(usage)
        body: dict[str, Any] = {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{pub}": pub}}
        if usage != "master":
            body = sign_json(body, user_id, self.keys["master"])
        return body

    def seal(self, secret: bytes) -> bytes:
        plain = json.dumps({u: encode_signing_key_base64(k) for u, k in self.keys.items()}).encode()
        return nacl.secret.SecretBox(_box_key(secret)).encrypt(plain)

    @classmethod
    def unseal(cls, sealed: bytes, secret: bytes) -> Identity:
        try:
            plain = nacl.secret.SecretBox(_box_key(secret)).decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise CrossSigningError("the cross-signing keys cannot be opened with this pickle key") from None
        return cls({usage: _named(seed) for usage, seed in json.loads(plain).items()})


def _named(seed_b64: str) -> Any:
    """A signing key whose key id is its own public key (ed25519:<public key>), as cross-signing keys are named."""
    key = decode_signing_key_base64("ed25519", "x", seed_b64)
    return decode_signing_key_base64("ed25519", encode_verify_key_base64(get_verify_key(key)), seed_b64)


def _box_key(secret: bytes) -> bytes:
    return hashlib.sha256(b"zvh-bot cross-signing\0" + secret).digest()


def load_or_create(store: Path, secret: bytes) -> tuple[Identity, bool]:
    """(identity, made now). The file is private (0600): it holds the bot's identity."""
    path = store / KEYS_FILE
    if path.exists():
        return Identity.unseal(path.read_bytes(), secret), False
    identity = Identity.generate()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(identity.seal(secret))
    tmp.replace(path)
    return identity, True


# ---- on the homeserver -------------------------------------------------------------------------------------------

async def _call(client: nio.AsyncClient, method: str, endpoint: str, body: Any) -> tuple[int, dict[str, Any]]:
    path = Api._build_path(endpoint.split("/"), {"access_token": client.access_token})
    response = await client.send(method, path, json.dumps(body), headers={"Content-Type": "application/json"})
    try:
        data = await response.json()
    except Exception:  # a proxy's HTML error page
        data = {}
    return response.status, data


async def query_keys(client: nio.AsyncClient, users: Iterable[str]) -> tuple[int, dict[str, Any]]:
    """/keys/query as the homeserver answers it: devices with their signatures, master and self-signing keys
    (matrix-nio keeps only the devices)."""
    return await _call(client, "POST", "keys/query", {"device_keys": {user: [] for user in users}})


async def own_keys(client: nio.AsyncClient) -> dict[str, Any]:
    status, data = await query_keys(client, [client.user_id])
    if status != 200:
        raise CrossSigningError(f"keys/query failed: {status} {data.get('errcode')}")
    return data


async def ensure(client: nio.AsyncClient, store: Path, secret: bytes, password: str) -> Identity:
    """Make sure the account's cross-signing identity is ours and signs this device; idempotent."""
    identity, made = load_or_create(store, secret)
    user = client.user_id
    keys = await own_keys(client)
    published = (keys.get("master_keys") or {}).get(user, {}).get("keys", {})
    if published != identity.key_object(user, "master")["keys"]:
        if published and not made:
            log.warning("the homeserver holds another cross-signing identity for the bot; replacing it with ours")
        await _upload_identity(client, identity, password)
        keys = await own_keys(client)
    device = (keys.get("device_keys") or {}).get(user, {}).get(client.device_id)
    if device is None:
        raise CrossSigningError("the bot's device keys are not on the homeserver yet")
    self_signing = identity.keys["self_signing"]
    key_id = f"ed25519:{self_signing.version}"
    if key_id not in (device.get("signatures") or {}).get(user, {}):
        bare = {k: v for k, v in device.items() if k not in ("signatures", "unsigned")}
        signed = sign_json(bare, user, self_signing)
        status, data = await _call(client, "POST", "keys/signatures/upload",
                                   {user: {client.device_id: signed}})
        failures = data.get("failures") or {}
        if status != 200 or failures:
            raise CrossSigningError(f"signing the bot's device failed: {status} {failures or data.get('errcode')}")
        log.info("the bot's device is signed by its cross-signing identity")
    return identity


async def _upload_identity(client: nio.AsyncClient, identity: Identity, password: str) -> None:
    """Upload the public keys. The homeserver may ask for user-interactive auth: the bot's password answers it
    (a first upload needs none on current Synapse, MSC3967)."""
    user = client.user_id
    body: dict[str, Any] = {f"{usage}_key": identity.key_object(user, usage) for usage in USAGES}
    status, data = await _call(client, "POST", "keys/device_signing/upload", body)
    if status == 401 and "flows" in data:
        if not password:
            raise CrossSigningError("the homeserver asks for the bot's password to publish its cross-signing keys; "
                                    "give ZVH_PASSWORD once (an access token alone cannot answer it)")
        body["auth"] = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
                        "password": password, "session": data.get("session")}
        status, data = await _call(client, "POST", "keys/device_signing/upload", body)
    if status != 200:
        raise CrossSigningError(f"publishing the cross-signing keys failed: {status} {data.get('errcode')}")
    log.info("published the bot's cross-signing identity (master key %s)", identity.public("master"))


# ---- others' devices -------------------------------------------------------------------------------------------

def signed_by_owner(keys_query: dict[str, Any], user_id: str, device_id: str) -> bool:
    """The device carries a valid signature of its owner's self-signing key, which their master key signed."""
    master = (keys_query.get("master_keys") or {}).get(user_id)
    self_signing = (keys_query.get("self_signing_keys") or {}).get(user_id)
    device = (keys_query.get("device_keys") or {}).get(user_id, {}).get(device_id)
    if not (master and self_signing and device):
        return False
    try:
        master_id, master_pub = next(iter(master["keys"].items()))
        _verify(self_signing, user_id, master_id, master_pub)
        ss_id, ss_pub = next(iter(self_signing["keys"].items()))
        _verify(device, user_id, ss_id, ss_pub)
    except (SignatureVerifyException, StopIteration, KeyError, ValueError):
        return False
    return True


def _verify(obj: dict[str, Any], user_id: str, key_id: str, public_b64: str) -> None:
    verify_key = decode_verify_key_bytes(key_id, decode_base64(public_b64))
    verify_signed_json(obj, user_id, verify_key)
