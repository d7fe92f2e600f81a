"""The few homeserver calls the bot makes, on matrix-nio, with one error type that says whether to retry."""
from __future__ import annotations

import io
import json
import logging
import time
from typing import Any

import nio
from nio.api import Api
from nio.crypto.key_request import OutgoingKeyRequest

from bot import cross_signing

log = logging.getLogger(__name__)

REJUDGE_S = 300.0  # an unsigned device is looked at again after this long


class MatrixError(Exception):
    def __init__(self, what: str, status: int | None, errcode: str | None, message: str = "",
                 retry_after_ms: int | None = None) -> None:
        super().__init__(f"{what}: {status} {errcode} {message}".strip())
        self.status = status
        self.errcode = errcode
        self.retry_after_ms = retry_after_ms  # a 429's own wait, which a retry honours

    @property
    def transient(self) -> bool:
        """Worth retrying: the homeserver is down, overloaded or rate-limiting (nio already waited on 429)."""
        return self.status is None or self.status >= 500 or self.status == 429 or self.errcode == "M_LIMIT_EXCEEDED"


class NotYet(MatrixError):
    """Refused now, but known to go through in a moment: retried as an outage is."""

    @property
    def transient(self) -> bool:
        return True


def _check(what: str, response: Any) -> Any:
    if isinstance(response, nio.ErrorResponse):
        transport = getattr(response, "transport_response", None)
        status = getattr(transport, "status", None)
        raise MatrixError(what, status, response.status_code, response.message or "")
    return response


async def exchange_keys(client: nio.AsyncClient) -> None:
    """End-to-end encryption bookkeeping after a sync: our keys up, others' device keys in, sessions claimed."""
    if client.olm is None:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())


class BotClient(nio.AsyncClient):
    """matrix-nio's client, which retries a homeserver that does not answer inside its own calls; this one says
    so in the log from the first failed attempt, at each backoff step and at the recovery."""

    unreachable_since: float | None = None
    on_unreachable: Any = None  # called at each failed attempt (the health endpoint turns unhealthy)

    async def get_timeout_retry_wait_time(self, got_timeouts: int) -> float:
        wait = await super().get_timeout_retry_wait_time(got_timeouts)
        if self.unreachable_since is None:
            self.unreachable_since = time.monotonic()
        log.warning("the homeserver does not answer (attempt %d); trying again in %.0fs", got_timeouts, wait)
        if self.on_unreachable:
            self.on_unreachable()
        return wait

    def answered(self) -> None:
        if self.unreachable_since is not None:
            log.warning("the homeserver answers again, after %.0fs", time.monotonic() - self.unreachable_since)
            self.unreachable_since = None


class Matrix:
    def __init__(self, client: nio.AsyncClient, cross_signed_only: bool = False) -> None:
        """cross_signed_only: room keys go only to devices their owner cross-signed; the others are blacklisted
        (they get a withheld notice instead of a key), so a send never fails for an unknown device."""
        self.client = client
        self.cross_signed_only = cross_signed_only
        self._judged: dict[tuple[str, str], float] = {}  # device -> when it may be judged again

    async def default_room_version(self) -> str:
        """The version the homeserver gives new rooms: it decides how the creator's power is expressed."""
        path = Api._build_path(["capabilities"], {"access_token": self.client.access_token})
        response = await self.client.send("GET", path)
        if response.status != 200:
            raise MatrixError("capabilities", response.status, None)
        body = await response.json()
        return str(body.get("capabilities", {}).get("m.room_versions", {}).get("default", "10"))

    @property
    def user_id(self) -> str:
        return self.client.user_id

    async def send(self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str) -> str:
        # The transaction id makes a retry after a crash a no-op on the homeserver instead of a duplicate.
        await self._know_room(room_id)
        room = self.client.rooms[room_id]
        if room.encrypted and self.cross_signed_only:
            await self._judge_devices(room)
        try:
            if room.encrypted and event_type == "m.reaction":
                # matrix-nio sends reactions in the clear; which command failed is nobody's business but the room's.
                method, path, data = Api.room_send(self.client.access_token, room_id,
                                                   *await self._encrypt(room_id, event_type, content), txn_id)
                response = await self.client._send(nio.RoomSendResponse, method, path, data, (room_id,))
            else:
                response = await self.client.room_send(room_id, event_type, content, tx_id=txn_id,
                                                       ignore_unverified_devices=True)
        except nio.OlmUnverifiedDeviceError as exc:
            raise MatrixError("send", 403, "M_UNVERIFIED_DEVICE", str(exc)) from None
        return _check("send", response).event_id

    async def _encrypt(self, room_id: str, event_type: str, content: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.client.olm.should_share_group_session(room_id):
            await self.client.share_group_session(room_id, ignore_unverified_devices=True)
        return self.client.encrypt(room_id, event_type, content)

    async def _judge_devices(self, room: nio.MatrixRoom) -> None:
        """Trust a member's device when its owner cross-signed it; blacklist it otherwise. A signed device is
        judged once; an unsigned one again after a while (its owner may sign it)."""
        store = self.client.device_store
        now = time.monotonic()
        unjudged = {user for user in room.users for device in store.active_user_devices(user)
                    if self._judged.get((user, device.id), 0.0) <= now}
        if not unjudged:
            return
        status, keys = await cross_signing.query_keys(self.client, unjudged)
        if status != 200:
            raise MatrixError("keys/query", status, keys.get("errcode"))
        for user in unjudged:
            for device in store.active_user_devices(user):
                if user == self.client.user_id and device.id == self.client.device_id:
                    continue
                if cross_signing.signed_by_owner(keys, user, device.id):
                    self.client.unblacklist_device(device)
                    self.client.verify_device(device)
                    self._judged[(user, device.id)] = float("inf")
                else:
                    self.client.unverify_device(device)
                    self.client.blacklist_device(device)
                    self._judged[(user, device.id)] = now + REJUDGE_S

    async def _know_room(self, room_id: str) -> None:
        """The encrypting client only sends to rooms it has seen in a sync. A room it has not (just created or
        joined, or quiet since a restart) is looked up: encrypted or not, its members fetched when sending."""
        if room_id not in self.client.rooms:
            encryption = await self.get_state(room_id, "m.room.encryption")
            self.client.rooms[room_id] = nio.MatrixRoom(room_id, self.client.user_id,
                                                        encrypted=encryption is not None)
            if encryption is not None:
                self.client.encrypted_rooms.add(room_id)
        room = self.client.rooms[room_id]
        if room.encrypted and not room.members_synced:
            await self._load_members(room)

    async def _load_members(self, room: nio.MatrixRoom) -> None:
        """Joined and invited members: an invited partner must be able to read what was said before they joined
        (the case room's history is visible from the invitation), so they get the room key too."""
        state = _check("room state", await self.client.room_get_state(room.room_id)).events
        for event in state:
            if event.get("type") != "m.room.member":
                continue
            membership = (event.get("content") or {}).get("membership")
            if membership in ("join", "invite"):
                room.add_member(event["state_key"], None, None, invited=membership == "invite")
            elif event["state_key"] in room.users:
                room.remove_member(event["state_key"])
        room.members_synced = True
        self.client.olm.update_tracked_users(room)
        if self.client.should_query_keys:
            await self.client.keys_query()

    async def is_encrypted(self, room_id: str) -> bool:
        await self._know_room(room_id)
        return self.client.rooms[room_id].encrypted

    async def create_room(self, body: dict[str, Any]) -> str:
        """Straight to the homeserver, not through nio's own 429 loop (which sleeps inside the call for as long as
        the homeserver asks): a rate-limited room creation comes back at once, and the executor retries it later
        and tells the coordinator, while everything else goes on."""
        path = Api._build_path(["createRoom"], {"access_token": self.client.access_token})
        response = await self.client.send("POST", path, json.dumps(body), headers={"Content-Type": "application/json"})
        data = await response.json(content_type=None)
        if response.status == 200 and isinstance(data, dict) and "room_id" in data:
            return str(data["room_id"])
        data = data if isinstance(data, dict) else {}
        raise MatrixError("createRoom", response.status, data.get("errcode"), str(data.get("error", "")),
                          data.get("retry_after_ms"))

    async def lift_rate_limits(self) -> bool:
        """Where the bot is a homeserver admin: no rate limits for its own account (Synapse admin API). True when
        lifted; False without admin rights."""
        path = Api._build_path(["users", self.user_id, "override_ratelimit"],
                               {"access_token": self.client.access_token}, base_path="/_synapse/admin/v1")
        response = await self.client.send("POST", path, json.dumps({"messages_per_second": 0, "burst_count": 0}),
                                          headers={"Content-Type": "application/json"})
        return response.status == 200

    async def join(self, room_id: str) -> str:
        return _check("join", await self.client.join(room_id)).room_id

    async def leave(self, room_id: str) -> None:
        _check("leave", await self.client.room_leave(room_id))

    async def invite(self, room_id: str, user_id: str) -> None:
        response = await self.client.room_invite(room_id, user_id)
        if isinstance(response, nio.ErrorResponse) and "already in the room" in (response.message or ""):
            return  # invites are idempotent for us
        _check("invite", response)

    async def upload(self, data: bytes, mimetype: str, filename: str, encrypt: bool) -> tuple[str, dict | None]:
        """(mxc URL, decryption keys when encrypted for an encrypted room)."""
        response, keys = await self.client.upload(io.BytesIO(data), content_type=mimetype, filename=filename,
                                                  filesize=len(data), encrypt=encrypt)
        return _check("upload", response).content_uri, keys

    async def purge_room(self, room_id: str) -> bool:
        """Delete the room on the homeserver (Synapse admin API: members removed, history purged, room blocked).
        Without admin rights the bot leaves and forgets it. True when purged."""
        path = Api._build_path(["rooms", room_id], {"access_token": self.client.access_token},
                               base_path="/_synapse/admin/v2")
        response = await self.client.send("DELETE", path, json.dumps({"block": True, "purge": True}),
                                          headers={"Content-Type": "application/json"})
        if response.status == 200:
            return True
        if response.status not in (403, 404):
            raise MatrixError("purge room", response.status, None)
        leave = await self.client.room_leave(room_id)
        if not (isinstance(leave, nio.ErrorResponse) and leave.status_code in ("M_FORBIDDEN", "M_NOT_FOUND")):
            _check("leave", leave)
        _check("forget", await self.client.room_forget(room_id))
        return False

    async def kick(self, room_id: str, user_id: str, reason: str) -> None:
        response = await self.client.room_kick(room_id, user_id, reason=reason)
        if isinstance(response, nio.ErrorResponse) and "not in the room" in (response.message or ""):
            return  # already gone: removal is idempotent too
        _check("kick", response)

    async def put_state(self, room_id: str, event_type: str, content: dict[str, Any], state_key: str = "") -> None:
        _check("state", await self.client.room_put_state(room_id, event_type, content, state_key=state_key))

    async def get_state(self, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any] | None:
        response = await self.client.room_get_state_event(room_id, event_type, state_key)
        if isinstance(response, nio.ErrorResponse) and response.status_code == "M_NOT_FOUND":
            return None
        return _check("get state", response).content

    async def get_account_data(self, kind: str) -> dict[str, Any]:
        path = Api._build_path(["user", self.client.user_id, "account_data", kind],
                               {"access_token": self.client.access_token})
        response = await self.client.send("GET", path)
        if response.status == 404:
            return {}
        if response.status != 200:
            raise MatrixError("account data", response.status, None)
        return await response.json()

    async def put_account_data(self, kind: str, content: dict[str, Any]) -> None:
        path = Api._build_path(["user", self.client.user_id, "account_data", kind],
                               {"access_token": self.client.access_token})
        response = await self.client.send("PUT", path, json.dumps(content),
                                          headers={"Content-Type": "application/json"})
        if response.status != 200:
            raise MatrixError("account data", response.status, None)

    async def joined_rooms(self) -> list[str]:
        return _check("joined_rooms", await self.client.joined_rooms()).rooms

    async def members(self, room_id: str) -> set[str]:
        """Who is in the room now, joined or invited (the homeserver's view at this moment)."""
        state = _check("room state", await self.client.room_get_state(room_id)).events
        return {e["state_key"] for e in state if e.get("type") == "m.room.member"
                and (e.get("content") or {}).get("membership") in ("join", "invite")}

    async def member_servers(self, room_id: str) -> list[str]:
        """The servers of everyone the room's state names as a member, whatever their membership now (joined,
        invited, left, kicked): each of those servers received the room's events while that person was in it."""
        state = _check("room state", await self.client.room_get_state(room_id)).events
        return sorted({e["state_key"].split(":", 1)[1] for e in state
                       if e.get("type") == "m.room.member" and ":" in e.get("state_key", "")})

    async def resolve_alias(self, alias: str) -> str:
        path = Api._build_path(["directory", "room", alias], {"access_token": self.client.access_token})
        response = await self.client._send(nio.RoomResolveAliasResponse, "GET", path,
                                           response_data=(alias,))
        return _check("resolve alias", response).room_id



class KeyRequests:
    """Room keys the bot is missing, asked of the device that sent the message (it holds the session). A
    forwarded key is taken from the session's own creator as well as from the bot's own verified devices."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self.client = client
        self._creators: dict[str, str] = {}  # session id -> the curve25519 key of the device that created it
        olm = client.olm
        if olm is not None:
            library_rule = olm._should_accept_forward

            def accept(sender: str, sender_key: str, event: Any) -> bool:
                if library_rule(sender, sender_key, event):
                    return True
                request = olm.outgoing_key_requests.get(event.session_id)
                return (request is not None and request.room_id == event.room_id
                        and self._creators.get(event.session_id) == sender_key)

            olm._should_accept_forward = accept

    async def ask_sender(self, event: nio.MegolmEvent) -> bool:
        """True if a request went out now; once per session (a second message of the same session waits too)."""
        olm = self.client.olm
        if olm is None or event.session_id in olm.outgoing_key_requests or not event.device_id:
            return False
        message = event.as_key_request(event.sender, self.client.device_id, device_id=event.device_id)
        response = await self.client.to_device(message)
        if isinstance(response, nio.ErrorResponse):
            raise MatrixError("key request", None, response.status_code, response.message or "")
        request = OutgoingKeyRequest.from_message(message)
        olm.outgoing_key_requests[request.session_id] = request
        olm.store.add_outgoing_key_request(request)
        self._creators[event.session_id] = event.sender_key
        return True
