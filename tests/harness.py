"""Test harness: the bot as a real process and users as real Matrix clients, on a real local Synapse."""
from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import nio
import pypdf

from bot.matrix import exchange_keys
from core.clock import ENV as CLOCK_ENV
from core.render import template
from devserver.local_synapse import Federation, LocalSynapse, free_port, start_all
from devserver.provision import call, create_screening_room, join, write_config
from devserver.tls import ThrowawayCA

REPO = Path(__file__).resolve().parent.parent
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WAIT = 30.0
# Synapse gives 10 timeline events per room per sync unless asked for more.
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}
REFERRAL_LINES = """betrokkene: J.D. 1985
gemeente: Delft
thema: overlast
leefgebieden: huisvesting, financien, middelengebruik
reden: Meerdere instanties betrokken, geen regie
doel: Eén plan en afstemming
partners: politie
geinformeerd: ja
urgentie: hoog"""


class User:
    """A person with a Matrix client: sends messages and watches what arrives, through a real sync loop."""

    def __init__(self, syn: LocalSynapse, user_id: str, token: str, store: Path | None = None) -> None:
        """With a store directory the client does end-to-end encryption (keys kept there), like Element."""
        self.user_id = user_id
        self.token = token
        self.store = store
        if store:
            store.mkdir(parents=True, exist_ok=True)
        self.client = nio.AsyncClient(syn.base_url, user_id, device_id=f"T{uuid.uuid4().hex[:8]}",
                                      store_path=str(store or ""),
                                      config=nio.AsyncClientConfig(encryption_enabled=store is not None))
        self.client.access_token = token
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.invites: dict[str, list[Any]] = {}
        self.to_device: list[dict[str, Any]] = []  # to-device messages received (key requests, room keys)
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._token: str | None = None

    async def start(self) -> None:
        if self.store:  # the crypto store belongs to the device the access token was issued for
            whoami = await self.client.whoami()
            self.client.restore_login(self.user_id, whoami.device_id, self.token)
        self._record(await self.client.sync(timeout=0, sync_filter=SYNC_FILTER))
        await self._keys()
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            response = await self.client.sync(timeout=10_000, since=self._token, sync_filter=SYNC_FILTER)
            if isinstance(response, nio.SyncError):
                await asyncio.sleep(0.2)
                continue
            await self._keys()
            await self._fill_gaps(response)
            self._record(response)

    async def _fill_gaps(self, response: nio.SyncResponse) -> None:
        """A limited timeline skipped events: page them back from /messages, so a test sees everything the bot
        sent (or leaked), however busy the moment."""
        for room_id, info in response.rooms.join.items():
            if not (info.timeline.limited and info.timeline.prev_batch and room_id in self.events):
                continue
            known = {e.get("event_id") for e in self.events[room_id]}
            missed: list[dict[str, Any]] = []
            start = info.timeline.prev_batch
            for _ in range(20):
                page = await self.client.room_messages(room_id, start=start, limit=100)
                if not isinstance(page, nio.RoomMessagesResponse) or not page.chunk:
                    break
                fresh = [e.source for e in page.chunk if e.event_id not in known]
                missed.extend(fresh)
                if len(fresh) < len(page.chunk) or not page.end:
                    break
                start = page.end
            self.events[room_id].extend(reversed(missed))

    async def _keys(self) -> None:
        await exchange_keys(self.client)

    def _record(self, response: nio.SyncResponse) -> None:
        self._token = response.next_batch
        self.to_device.extend(getattr(e, "source", {}) for e in response.to_device_events)
        for room_id, info in response.rooms.join.items():
            self.events.setdefault(room_id, []).extend(e.source for e in info.timeline.events)
        for room_id, info in response.rooms.invite.items():
            self.invites[room_id] = list(info.invite_state)
        self._changed.set()

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.close()

    async def wait_for(self, find: Callable[[], Any], timeout: float = WAIT, what: str = "event") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.user_id}: timed out waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))
            except TimeoutError:
                pass

    # ---- sending ---------------------------------------------------------------------------------------------

    async def send(self, room_id: str, body: str, html: str | None = None, mentions: list[str] | None = None) -> str:
        """html and mentions: as a client sends a message with mention pills (Element's autocomplete)."""
        content: dict[str, Any] = {"msgtype": "m.text", "body": body}
        if html is not None:
            content.update(format="org.matrix.custom.html", formatted_body=html)
        if mentions is not None:
            content["m.mentions"] = {"user_ids": mentions}
        response = await self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        assert isinstance(response, nio.RoomSendResponse), response
        return response.event_id

    async def reply(self, room_id: str, event_id: str, body: str) -> str:
        """A Matrix reply (as Element sends it, without the quoted fallback)."""
        content = {"msgtype": "m.text", "body": body, "m.relates_to": {"m.in_reply_to": {"event_id": event_id}}}
        response = await self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        assert isinstance(response, nio.RoomSendResponse), response
        return response.event_id

    async def command(self, room_id: str, body: str, timeout: float = WAIT) -> Answer:
        event_id = await self.send(room_id, body)
        return await self.answer_to(room_id, event_id, timeout)

    async def answer_to(self, room_id: str, event_id: str, timeout: float = WAIT, reaction: bool = True) -> Answer:
        reply = await self.wait_for(lambda: self.reply_to(room_id, event_id), timeout, f"reply to {event_id}")
        key = None
        if reaction:
            key = await self.wait_for(lambda: self.reaction_to(room_id, event_id), timeout, "reaction")
        return Answer(reply["content"], key)

    # ---- reading ---------------------------------------------------------------------------------------------

    def replies_to(self, room_id: str, event_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events.get(room_id, []) if e.get("type") == "m.room.message"
                and (e["content"].get("m.relates_to") or {}).get("m.in_reply_to", {}).get("event_id") == event_id]

    def reply_to(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        found = self.replies_to(room_id, event_id)
        return found[0] if found else None

    def reactions_to(self, room_id: str, event_id: str) -> list[str]:
        return [e["content"]["m.relates_to"]["key"] for e in self.events.get(room_id, [])
                if e.get("type") == "m.reaction" and e["content"]["m.relates_to"].get("event_id") == event_id]

    def reaction_to(self, room_id: str, event_id: str) -> str | None:
        found = self.reactions_to(room_id, event_id)
        return found[0] if found else None

    def notices(self, room_id: str, sender: str | None = None) -> list[dict[str, Any]]:
        """The bot's messages: answers (m.notice) and, from a given sender, messages asking someone to act
        (m.text with m.mentions)."""
        kinds = ("m.notice", "m.text") if sender else ("m.notice",)
        return [e for e in self.events.get(room_id, []) if e.get("type") == "m.room.message"
                and e["content"].get("msgtype") in kinds and (sender is None or e["sender"] == sender)]

    async def wait_notice(self, room_id: str, contains: str, sender: str | None = None,
                          timeout: float = WAIT) -> dict[str, Any]:
        return await self.wait_for(
            lambda: next((e for e in self.notices(room_id, sender) if contains in plain(e["content"]["body"])), None),
            timeout, f"notice containing {contains!r}")

    def said(self, room_id: str, key: str, sender: str, contains: str = "") -> list[dict[str, Any]]:
        """The sender's messages rendered from catalogue message `key` (as outer or nested message), optionally
        with a value (a number, a date) in their body."""
        return [e for e in self.notices(room_id, sender)
                if key in keys_of(e) and contains in plain(e["content"]["body"])]

    async def wait_said(self, room_id: str, key: str, sender: str, contains: str = "",
                        timeout: float = WAIT) -> dict[str, Any]:
        """Wait for a message by its catalogue key (not its wording, which may improve)."""
        return await self.wait_for(lambda: next(iter(self.said(room_id, key, sender, contains)), None), timeout,
                                   f"a message {key!r}" + (f" with {contains!r}" if contains else ""))

    async def wait_invite(self, predicate: Callable[[str, list[Any]], bool] = lambda r, s: True,
                          timeout: float = WAIT) -> str:
        return await self.wait_for(lambda: next((r for r, s in self.invites.items() if predicate(r, s)), None),
                                   timeout, "invite")

    async def join(self, room_id: str) -> None:
        for _ in range(20):
            response = await self.client.join(room_id)
            # An invitation from another server is seen here before that server has stored it (it does once this
            # one signed it): a join at once is refused as "not invited"; a person would simply try again.
            if not (isinstance(response, nio.JoinError) and response.status_code == "M_FORBIDDEN"):
                break
            await asyncio.sleep(0.25)
        assert isinstance(response, nio.JoinResponse), response
        if self.client.olm:  # an encrypting client can only send once a sync has shown it the room
            await self.wait_for(lambda: room_id in self.client.rooms, what="the joined room in sync")

    async def dm(self, bot_id: str) -> str:
        """Open a direct chat with the bot and wait until it has joined and said welcome."""
        response = await self.client.room_create(is_direct=True, invite=[bot_id],
                                                 preset=nio.RoomPreset.trusted_private_chat)
        assert isinstance(response, nio.RoomCreateResponse), response
        await self.wait_notice(response.room_id, "", sender=bot_id)
        return response.room_id


async def download(user: User, content: dict[str, Any]) -> bytes:
    """A file the bot posted (an export, an .ics, the plan), as the user's client fetches it."""
    response = await user.client.download(mxc=content["url"])
    assert isinstance(response, nio.DownloadResponse), response
    return response.body


PDFA_ID = "http://www.aiim.org/pdfa/ns/id/"


@dataclass(frozen=True)
class ArchivalPdf:
    """An archived document as a reader sees it: the PDF/A part and conformance its XMP metadata declares, the
    pages' text (whitespace collapsed, so a wrapped line still reads as one) and the HTML source embedded in it."""
    pdfa: tuple[str, str]
    text: str
    source: str


def archival_pdf(content: bytes) -> ArchivalPdf:
    assert content.startswith(b"%PDF-"), content[:20]
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.xmp_metadata is not None, "no XMP metadata"
    declared = [(d.getAttributeNS(PDFA_ID, "part"), d.getAttributeNS(PDFA_ID, "conformance"))
                for d in reader.xmp_metadata.rdf_root.getElementsByTagNameNS("*", "Description")]
    pdfa = next((d for d in declared if d[0]), ("", ""))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    sources = [data for name, found in reader.attachments.items() if name.endswith(".html") for data in found]
    assert len(sources) == 1, list(reader.attachments)
    return ArchivalPdf(pdfa, text, sources[0].decode())


def notifications(world: World, name: str) -> dict[str, dict[str, Any]]:
    """What the homeserver's push rules made of events for this user (GET /notifications): event id -> the
    notification, with "highlight" true when the user was mentioned (Element rings and shows a badge)."""
    found: dict[str, dict[str, Any]] = {}
    since = ""
    for _ in range(20):
        page = call(world.syn, "GET", f"/_matrix/client/v3/notifications?limit=100{since}", world.tokens[name])
        for item in page.get("notifications", []):
            tweaks = [a for a in item["actions"] if isinstance(a, dict)]
            item["highlight"] = any(a.get("set_tweak") == "highlight" and a.get("value", True) for a in tweaks)
            found[item["event"]["event_id"]] = item
        if not page.get("next_token"):
            break
        since = f"&from={page['next_token']}"
    return found


def pill(user_id: str, label: str) -> str:
    return f'<a href="https://matrix.to/#/{user_id}">{label}</a>'


GOOD_CONFIG = """
[matrix]
homeserver = "http://127.0.0.1:8008"
user_id = "@bot:localhost"
pickle_key = "a-deployment-secret-0123456789"
{secret}

[bot]
screening_room = "!abc:localhost"
coordinators = ["@coord:localhost"]
referrers = ["localhost", "@*:politie.example"]
municipalities = ["Delft"]
{extra}

[[partners]]
key = "politie"
name = "Politie"
tier = "kern"
contacts = ["@agent:politie.example"]
"""


def config_file(tmp_path, secret='password = "x"', extra=""):
    path = tmp_path / "config.toml"
    path.write_text(GOOD_CONFIG.format(secret=secret, extra=extra))
    path.chmod(0o600)
    return path


def state_of(world: World, token: str, room: str) -> dict[tuple[str, str], dict]:
    """A room's current state as a user sees it: (type, state key) -> content."""
    events = call(world.syn, "GET", f"/_matrix/client/v3/rooms/{quote(room)}/state", token)
    return {(e["type"], e["state_key"]): e["content"] for e in events}


def local(iso: str) -> datetime:
    """A moment on the Europe/Amsterdam wall clock."""
    return datetime.fromisoformat(iso).replace(tzinfo=AMSTERDAM)


def count(user: User, room: str, text: str, bot: str) -> int:
    return sum(text in plain(e["content"]["body"]) for e in user.notices(room, bot))


def keys_of(event: dict[str, Any]) -> list[str]:
    """The catalogue keys a bot message was rendered from (outer first)."""
    return list(event.get("content", {}).get("nl.zvh.keys") or [])


def plain(body: str) -> str:
    """The body without the bot's light markup (*bold*, `code`), for matching."""
    return body.replace("*", "").replace("`", "")


@dataclass
class Answer:
    content: dict[str, Any]
    reaction: str | None

    @property
    def body(self) -> str:
        return plain(self.content["body"])

    @property
    def html(self) -> str:
        return self.content.get("formatted_body", "")

    @property
    def ok(self) -> bool:
        return self.reaction == "✅"

    @property
    def failed(self) -> bool:
        return self.reaction == "❌"

    @property
    def keys(self) -> list[str]:
        """The catalogue keys the answer was rendered from: `error.failed` and the reason inside it, say."""
        return list(self.content.get("nl.zvh.keys") or [])

    def says(self, key: str) -> bool:
        return key in self.keys


def asks(reply: Answer, question: str) -> bool:
    """The reply is the intake's question `question` (a field, or `betrokkene_system`), as the catalogue words it."""
    return reply.says("intake.ask") and template("nl", f"intake.question.{question}").render() in reply.html


class BotProcess:
    """The bot run as users would run it: `zvh-bot run --config`, a separate process we can kill."""

    def __init__(self, config_path: Path, log_path: Path) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, crash_at: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "ZVH_CRASH_AT"}
        env[CLOCK_ENV] = str(self.config_path.parent / "clock")
        if crash_at:
            env["ZVH_CRASH_AT"] = crash_at
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config_path)],
                                     cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode if self.proc else None

    async def wait_exit(self, timeout: float = WAIT) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("bot did not exit")
            await asyncio.sleep(0.05)
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@dataclass
class World:
    """One test's own bot, accounts and screening room on the shared homeserver."""

    syn: LocalSynapse
    workdir: Path
    bot_id: str
    bot_password: str
    ids: dict[str, str]
    tokens: dict[str, str]
    screening_room: str
    bot: BotProcess
    config_path: Path
    users: dict[str, User] = field(default_factory=dict)
    encrypted: bool = False  # users are end-to-end encrypting clients
    homes: dict[str, LocalSynapse] = field(default_factory=dict)  # people on other homeservers (federation)

    def home(self, name: str) -> LocalSynapse:
        """The homeserver of this person's account."""
        return self.homes.get(name, self.syn)

    async def user(self, name: str) -> User:
        if name not in self.users:
            store = self.workdir / "clients" / name if self.encrypted else None
            user = User(self.home(name), self.ids[name], self.tokens[name], store)
            await user.start()
            self.users[name] = user
        return self.users[name]

    def travel(self, moment: datetime) -> None:
        """Set the bot's clock (test use): from now on it reads `moment` and runs on from there."""
        path = self.workdir / "clock"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(str(moment.timestamp() - time.time()))
        tmp.replace(path)

    async def close(self) -> None:
        self.bot.stop()
        for user in self.users.values():
            await user.close()


@dataclass
class Federated:
    """Homeservers that federate: the ZVH's (the bot's) and two partners' on their own servers."""

    zvh: LocalSynapse
    politie: LocalSynapse
    ggz: LocalSynapse

    @property
    def all(self) -> list[LocalSynapse]:
        return [self.zvh, self.politie, self.ggz]


# Distinct hosts (not only ports), so that a server ACL, which matches hosts, tells the servers apart.
FEDERATION_HOSTS = {"zvh": "localhost", "politie": "127.0.0.2", "ggz": "127.0.0.3"}


def start_federation(workdir: Path) -> Federated:
    """A throwaway CA, a certificate per server signed by it, and three servers that trust it and federate over
    TLS with each other only, certificates checked."""
    ca = ThrowawayCA(workdir / "ca")
    names = {role: f"{host}:{free_port('127.0.0.1' if host == 'localhost' else host)}"
             for role, host in FEDERATION_HOSTS.items()}
    servers = {}
    for role, name in names.items():
        host, port = name.rsplit(":", 1)
        cert = ca.issue(host)
        servers[role] = LocalSynapse(workdir / role, federation=Federation(
            host, int(port), cert.certificate, cert.key, ca.certificate,
            peers=[other for r, other in names.items() if r != role]))
    start_all(list(servers.values()))
    return Federated(**servers)


ROLES = ("coordinator", "melder", "politie", "ggz", "buiten", "privacy", "beheer", "incidenteel")


def make_world(syn: LocalSynapse, workdir: Path, bot_admin: bool = False, encrypted: bool = False,
               homeserver: str | None = None, matrix_overrides: dict[str, Any] | None = None,
               screening_encrypted: bool | None = None, sections: dict[str, dict[str, Any]] | None = None,
               elsewhere: dict[str, LocalSynapse] | None = None, **bot_overrides: Any) -> World:
    """bot_admin: the bot's account is a homeserver admin (then retention purges rooms instead of leaving).
    encrypted: case rooms are end-to-end encrypted and users are encrypting clients; otherwise (most tests, for
    speed) case rooms are plain and so are the clients. homeserver: where the bot connects (a proxy), if not
    straight to Synapse. elsewhere: roles whose accounts are on another (federating) homeserver."""
    suffix = uuid.uuid4().hex[:6]
    bot_password = uuid.uuid4().hex
    bot_id, bot_token = syn.register(f"zvhbot-{suffix}", bot_password, admin=bot_admin)
    homes = dict(elsewhere or {})
    ids, tokens = {}, {}
    for role in ROLES:
        ids[role], tokens[role] = homes.get(role, syn).register(f"{role}-{suffix}", "pw")
    screening = create_screening_room(syn, bot_token, [ids["coordinator"], ids["politie"]],
                                      encrypted=encrypted if screening_encrypted is None else screening_encrypted)
    join(syn, tokens["coordinator"], screening)
    # a non-coordinator who can see the room must still not triage
    join(homes.get("politie", syn), tokens["politie"], screening)
    config_path = workdir / "config.toml"
    # Deduce's tables (1 GB) only in the bots that check a question, and then at the first check.
    sections = {**(sections or {}), "desk": {"preload": False, **(sections or {}).get("desk", {})}}
    bot = {"database": "zvh.db", "region": "Haaglanden", "referral_prefix": "HGL", "screening_room": screening,
           "coordinators": [ids["coordinator"]], "referrers": [f"@melder-*:{syn.server_name}"],
           "privacy_officers": [ids["privacy"]], "admins": [ids["beheer"]], "encrypt_rooms": encrypted,
           "municipalities": ["Den Haag", "Delft", "Zoetermeer"]}
    bot.update(bot_overrides)
    write_config(
        config_path,
        matrix={"homeserver": homeserver or syn.base_url, "user_id": bot_id, "password": bot_password,
                "pickle_key": uuid.uuid4().hex, **(matrix_overrides or {})},
        bot=bot,
        partners=[
            {"key": "politie", "name": "Politie Haaglanden", "tier": "kern", "contacts": [ids["politie"]]},
            {"key": "ggz", "name": "GGZ Delfland", "tier": "casus", "contacts": [ids["ggz"]]},
            {"key": "om", "name": "Openbaar Ministerie", "tier": "kern", "contacts": []},
            {"key": "woning", "name": "Woonstichting Delft", "tier": "incidenteel", "contacts": [ids["incidenteel"]]},
        ],
        sections=sections,
    )
    return World(syn, workdir, bot_id, bot_password, ids, tokens, screening, BotProcess(config_path,
                 workdir / "bot.log"), config_path, encrypted=encrypted, homes=homes)


def bot_session(world: World) -> dict[str, Any]:
    """Log in as the bot on a second device, to inspect what the bot sees (rooms and their state)."""
    token = world.syn.login(world.bot_id.split(":")[0][1:], world.bot_password)
    return {"token": token, "get": lambda path: call(world.syn, "GET", path, token)}


NUMBER = r"HGL-\d{4}-\d{4}"


async def file_referral(melder: User, dm: str, lines: str = REFERRAL_LINES) -> str:
    """File a complete referral through the multi-line form; returns its number."""
    import re

    summary = await melder.command(dm, "!melding\n" + lines)
    assert summary.ok, summary.body
    filed = await melder.command(dm, "ja")
    assert filed.ok, filed.body
    return re.search(NUMBER, filed.body).group(0)


async def open_case(world: World, *partners: str, members: tuple[str, ...] = ()) -> tuple[str, str]:
    """A referral escalated to a case; the coordinator and `members` have joined its room. (number, room)"""
    number, room = await escalate(world, *partners)
    for name in ("coordinator", *members):
        user = await world.user(name)
        await user.wait_invite(lambda r, s: r == room)
        await user.join(room)
    await (await world.user("coordinator")).wait_notice(room, number, sender=world.bot_id)  # the welcome
    return number, room


async def escalate(world: World, *partners: str) -> tuple[str, str]:
    """A referral filed and escalated to a case; the coordinator is invited to its room. (number, room)"""
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    number = await file_referral(melder, dm)
    coordinator = await world.user("coordinator")
    answer = await coordinator.command(world.screening_room, f"!triage {number} opschalen {' '.join(partners)}")
    assert answer.ok, answer.body
    room = await coordinator.wait_invite(lambda r, state: any(
        getattr(e, "name", None) and number in e.name for e in state))
    return number, room


async def close_case(user: User, room: str, reason: str = "Doelen bereikt") -> Answer:
    """`!afsluiten <reden>`, then `ja` to the question it asks; the answer to `ja`."""
    asked = await user.command(room, f"!afsluiten {reason}")
    assert asked.ok and asked.says("case.close_confirm"), asked.keys
    return await user.command(room, "ja")
