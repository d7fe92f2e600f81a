"""An administrator verifies the bot once from Element: "Verify" on the bot's profile starts an in-room emoji
verification (SAS, m.sas.v1) in their direct chat with the bot. The bot takes part and writes the emoji to its
log; the administrator compares them there (out of band: the homeserver cannot forge the bot's log) and confirms
in Element, whose client then signs the bot's identity. Only administrators may; the bot does not need to verify
them back. The state of a verification lives in memory: one interrupted by a restart is simply started again."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import nio
import vodozemac
from canonicaljson import encode_canonical_json
from nio.crypto.sas import Sas as NioSas
from unpaddedbase64 import encode_base64

log = logging.getLogger(__name__)
PREFIX = "m.key.verification."
REQUEST = PREFIX + "request"
KEY_AGREEMENT = "curve25519-hkdf-sha256"
MAC_METHOD = "hkdf-hmac-sha256.v2"
# The spec's 64 emoji, named as the spec and Element name them (matrix-nio's table says Wrench, Airplane, ...).
_SPEC_NAMES = {"Wrench": "Spanner", "Thumbs up": "Thumbs Up", "Airplane": "Aeroplane"}
EMOJI = [(symbol, _SPEC_NAMES.get(name, name)) for symbol, name in NioSas.emoji]


def is_verification(event: dict[str, Any]) -> bool:
    kind = event.get("type", "")
    return kind.startswith(PREFIX) or (kind == "m.room.message"
                                       and (event.get("content") or {}).get("msgtype") == REQUEST)


@dataclass
class Flow:
    room_id: str
    txn: str  # the request's event id names the whole exchange
    user: str
    device: str
    start: dict[str, Any] | None = None
    sas: Any = None
    established: Any = None
    emoji: list[tuple[str, str]] = field(default_factory=list)


class Verifier:
    """Feed it the verification events of a room; it answers with (event type, content) pairs to send."""

    def __init__(self, client: nio.AsyncClient, master_key: str | None, may_verify) -> None:
        self.client = client
        self.master_key = master_key  # the bot's cross-signing master key: Element signs it once verified
        self.may_verify = may_verify
        self.flows: dict[str, Flow] = {}

    def handle(self, room_id: str, event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        content = event.get("content") or {}
        sender = event.get("sender", "")
        if sender == self.client.user_id:
            return []
        if event.get("type") == "m.room.message":
            return self._requested(room_id, event["event_id"], sender, content)
        txn = ((content.get("m.relates_to") or {}).get("event_id"))
        flow = self.flows.get(txn or "")
        if flow is None or flow.user != sender or flow.room_id != room_id:
            return []
        kind = event["type"][len(PREFIX):]
        try:
            if kind == "start":
                return self._started(flow, content)
            if kind == "key":
                return self._key(flow, content)
            if kind == "mac":
                return self._mac(flow, content)
        except (vodozemac.SasException, vodozemac.KeyException, ValueError, KeyError) as exc:
            log.warning("verification with %s failed: %s", sender, exc)
            return self._cancel(flow, "m.invalid_message", "the verification message could not be read")
        if kind in ("cancel", "done"):
            self.flows.pop(flow.txn, None)
            if kind == "cancel":
                log.info("verification with %s cancelled: %s", sender, content.get("code"))
        return []

    # ---- the steps ---------------------------------------------------------------------------------------------

    def _requested(self, room_id: str, txn: str, sender: str, content: dict[str, Any]):
        if content.get("to") != self.client.user_id:
            return []
        flow = Flow(room_id, txn, sender, str(content.get("from_device", "")))
        if not self.may_verify(sender):
            log.info("refused a verification request from someone who is not an administrator")
            return self._cancel(flow, "m.user", "Only the bot's administrators verify it (see the README).")
        if "m.sas.v1" not in (content.get("methods") or []) or self.master_key is None:
            return self._cancel(flow, "m.unknown_method", "The bot verifies with emoji (m.sas.v1) only.")
        self.flows[txn] = flow
        log.info("verification requested by administrator %s", sender)
        return [(PREFIX + "ready", self._relate(flow, {"from_device": self.client.device_id,
                                                       "methods": ["m.sas.v1"]}))]

    def _started(self, flow: Flow, content: dict[str, Any]):
        if (content.get("method") != "m.sas.v1" or KEY_AGREEMENT not in content.get("key_agreement_protocols", [])
                or "sha256" not in content.get("hashes", [])
                or MAC_METHOD not in content.get("message_authentication_codes", [])
                or "emoji" not in content.get("short_authentication_string", [])):
            return self._cancel(flow, "m.unknown_method", "The bot needs curve25519-hkdf-sha256, sha256, "
                                                          "hkdf-hmac-sha256.v2 and emoji.")
        flow.start, flow.sas = content, vodozemac.Sas()
        flow.device = str(content.get("from_device") or flow.device)
        commitment = hashlib.sha256(flow.sas.public_key.to_base64().encode() + encode_canonical_json(content))
        return [(PREFIX + "accept", self._relate(flow, {
            "method": "m.sas.v1", "key_agreement_protocol": KEY_AGREEMENT, "hash": "sha256",
            "message_authentication_code": MAC_METHOD, "short_authentication_string": ["decimal", "emoji"],
            "commitment": encode_base64(commitment.digest())}))]

    def _key(self, flow: Flow, content: dict[str, Any]):
        if flow.sas is None:
            return self._cancel(flow, "m.unexpected_message", "a key before the start")
        theirs = str(content["key"])
        ours = flow.sas.public_key.to_base64()
        flow.established = flow.sas.diffie_hellman(vodozemac.Curve25519PublicKey.from_base64(theirs))
        me, device = self.client.user_id, self.client.device_id
        info = "|".join(["MATRIX_KEY_VERIFICATION_SAS", flow.user, flow.device, theirs, me, device, ours, flow.txn])
        flow.emoji = [EMOJI[i] for i in flow.established.bytes(info).emoji_indices]
        # Out of band: the administrator compares these with Element before confirming there.
        log.warning("VERIFY: %s is verifying the bot. Element must show exactly these emoji: %s", flow.user,
                    "  ".join(f"{symbol} {name}" for symbol, name in flow.emoji))
        return [(PREFIX + "key", self._relate(flow, {"key": ours})), (PREFIX + "mac", self._relate(flow,
                                                                                                 self._our_mac(flow)))]

    def _our_mac(self, flow: Flow) -> dict[str, Any]:
        me, device = self.client.user_id, self.client.device_id
        base = f"MATRIX_KEY_VERIFICATION_MAC{me}{device}{flow.user}{flow.device}{flow.txn}"
        keys = {f"ed25519:{device}": self.client.olm.account.identity_keys["ed25519"],
                f"ed25519:{self.master_key}": self.master_key}
        macs = {key_id: flow.established.calculate_mac(value, base + key_id) for key_id, value in keys.items()}
        return {"mac": macs, "keys": flow.established.calculate_mac(",".join(sorted(keys)), base + "KEY_IDS")}

    def _mac(self, flow: Flow, content: dict[str, Any]):
        """Their MAC: the exchange was not tampered with where we can check (their device key); then done."""
        if flow.established is None:
            return self._cancel(flow, "m.unexpected_message", "a MAC before the keys")
        base = f"MATRIX_KEY_VERIFICATION_MAC{flow.user}{flow.device}{self.client.user_id}{self.client.device_id}" \
               f"{flow.txn}"
        macs = content.get("mac") or {}
        expected_keys = flow.established.calculate_mac(",".join(sorted(macs)), base + "KEY_IDS")
        device = next((d for d in self.client.device_store.active_user_devices(flow.user) if d.id == flow.device),
                      None)
        device_mac = macs.get(f"ed25519:{flow.device}")
        if content.get("keys") != expected_keys or (device is not None and device_mac is not None and device_mac
                                                    != flow.established.calculate_mac(device.ed25519,
                                                                                      base + f"ed25519:{flow.device}")):
            return self._cancel(flow, "m.key_mismatch", "the keys do not match")
        self.flows.pop(flow.txn, None)
        log.info("verification with %s done", flow.user)
        return [(PREFIX + "done", self._relate(flow, {}))]

    def _cancel(self, flow: Flow, code: str, reason: str):
        self.flows.pop(flow.txn, None)
        return [(PREFIX + "cancel", self._relate(flow, {"code": code, "reason": reason}))]

    @staticmethod
    def _relate(flow: Flow, content: dict[str, Any]) -> dict[str, Any]:
        return {**content, "m.relates_to": {"rel_type": "m.reference", "event_id": flow.txn}}
