"""createRoom bodies for the rooms the bot makes. Names and topics carry the case number and theme, never a person."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from core.config import Config
from core.messages import Msg
from core.render import render
from storage.cases import Case, Member

CASE_STATE = "nl.zvh.case"
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
CREATION_KEY = "nl.zvh.key"  # in m.room.create: lets a retry find the room an interrupted attempt made
SERVER_ACL = "m.room.server_acl"


def plain(config: Config, key: str, **params: Any) -> str:
    return render(Msg(key, params), config.bot.language)[0]


def case_state(case: Case, config: Config) -> dict[str, Any]:
    # The approach (person, system, area) says how the case is worked, not about whom: no persons, no area. The
    # kind tells a light arrangement's room (and its term) from a full case's; escalated, it becomes a case's.
    state: dict[str, Any] = {"case_id": case.id, "status": case.status, "theme": case.theme,
                             "region": config.bot.region, "approach": case.approach, "kind": case.kind}
    if case.is_arrangement:
        state["term_ends"] = case.term_ends
    return state


def room_name(config: Config, case: Case) -> str:
    return plain(config, "arrangement.room_name" if case.is_arrangement else "case.room_name", nr=case.id,
                 theme=case.theme)


def room_topic(config: Config, case: Case) -> str:
    return plain(config, "arrangement.topic" if case.is_arrangement else "case.topic", nr=case.id,
                 region=config.bot.region)


def server_of(user_id: str) -> str:
    """A Matrix ID's homeserver: everything after the first colon (`@agent:politie.example:8448`)."""
    return user_id.split(":", 1)[1]


def host_of(server_name: str) -> str:
    """A server name without its port: what server ACLs are matched against (`[::1]:8448` -> `[::1]`)."""
    if server_name.startswith("["):
        return server_name[:server_name.index("]") + 1]
    return server_name.rsplit(":", 1)[0] if ":" in server_name else server_name


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def server_acl(bot_server: str, members: Iterable[str]) -> dict[str, Any]:
    """Who may take part in a case room: exactly the ZVH's server and the servers of the people in the case, so a
    server that has no one in the case cannot join, read along or send into it, even by a mistaken invitation.

    Entries are hosts (the spec matches without the port). The bot's own server is always in: an ACL without it
    would lock the bot out of its own room (Synapse refuses one that does, comparing its name with the port, so
    a name with a port is listed as is too). IP-literal servers are allowed only when one of them is in the case."""
    hosts = {host_of(bot_server)} | {host_of(server_of(user)) for user in members}
    allow = sorted(hosts)
    if bot_server not in hosts:
        allow.append(bot_server)
    return {"allow": allow, "deny": [], "allow_ip_literals": any(_ip_literal(h) for h in hosts)}


def creator_listed(room_version: str) -> bool:
    """From room version 12 the creator's power is implicit and may not be listed in the power levels."""
    return not room_version.isdigit() or int(room_version) < 12


def case_power_levels(bot_user: str, case: Case, room_version: str) -> dict[str, Any]:
    # Only the bot changes state and membership: invitations follow need-to-know through its commands.
    users = {bot_user: 100} if creator_listed(room_version) else {}
    users[case.procesregisseur] = 50
    return {
        "users": users,
        "users_default": 0,
        "events_default": 0,
        "state_default": 100,
        "invite": 100,
        "kick": 100,
        "ban": 100,
        # The record in the room is the bot's alone to change: nobody else redacts its messages or unpins the plan.
        "redact": 100,
        "events": {"m.room.pinned_events": 100, "m.reaction": 0},
        "notifications": {"room": 50},
    }


def bot_keeps_the_record(levels: dict[str, Any]) -> dict[str, Any]:
    """The levels every case room needs, also one made before they were: only the bot redacts others' messages
    and changes what is pinned."""
    return {**levels, "redact": 100, "events": {**levels.get("events", {}), "m.room.pinned_events": 100}}


def read_only(levels: dict[str, Any]) -> dict[str, Any]:
    """A closed case's room: only the bot writes in it (what was said stays readable)."""
    events = {**levels.get("events", {}), "m.reaction": 100}
    return {**levels, "events_default": 100, "events": events}


def writable(levels: dict[str, Any]) -> dict[str, Any]:
    """A reopened case's room: members write again."""
    events = {k: v for k, v in levels.get("events", {}).items() if k != "m.reaction"}
    return {**levels, "events_default": 0, "events": events}


def case_room(config: Config, bot_user: str, case: Case, members: list[Member], space_id: str | None,
              key: str, room_version: str, invite: list[str] | None = None) -> dict[str, Any]:
    """members: everyone in the case (the server ACL allows their servers); invite: those invited with the room
    (all members unless said otherwise)."""
    initial_state = [
        {"type": SERVER_ACL, "state_key": "", "content": server_acl(server_of(bot_user), (m.user_id for m in members))},
        {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "invited"}},
        {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
        {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
        {"type": CASE_STATE, "state_key": "", "content": case_state(case, config)},
    ]
    if config.bot.encrypt_rooms:
        initial_state.append(ENCRYPTION)
    if space_id:
        initial_state.append({"type": "m.space.parent", "state_key": space_id,
                              "content": {"via": [config.matrix.server_name], "canonical": True}})
    return {
        "preset": "private_chat",
        "visibility": "private",
        "name": room_name(config, case),
        "topic": room_topic(config, case),
        "creation_content": {CREATION_KEY: key},
        "initial_state": initial_state,
        "power_level_content_override": case_power_levels(bot_user, case, room_version),
        "invite": [u for u in (invite if invite is not None else [m.user_id for m in members]) if u != bot_user],
    }


def space(config: Config, bot_user: str, key: str, room_version: str) -> dict[str, Any]:
    return {
        "preset": "private_chat",
        "visibility": "private",
        "name": plain(config, "space.name", region=config.bot.region),
        "topic": plain(config, "space.topic", region=config.bot.region),
        "creation_content": {"type": "m.space", CREATION_KEY: key},
        "initial_state": [
            {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "invited"}},
            {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
        ],
        "power_level_content_override": {"users": {bot_user: 100} if creator_listed(room_version) else {},
                                         "users_default": 0, "events_default": 100,
                                         "state_default": 100, "invite": 100, "kick": 100, "ban": 100},
    }


def direct_chat(config: Config, user_id: str, key: str) -> dict[str, Any]:
    return {"preset": "trusted_private_chat", "visibility": "private", "is_direct": True, "invite": [user_id],
            "creation_content": {CREATION_KEY: key},
            "initial_state": [ENCRYPTION] if config.bot.encrypt_rooms else []}
