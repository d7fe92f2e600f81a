"""What commands, scheduled items and the bot itself ask to happen on Matrix (send, react, invite, create a
room, ...), as plain data. Three things are kept apart: an *intent* (this module), the *outbox item* it becomes in
the same transaction (storage/outbox.py), and the *writer* that turns one into the other (bot/outbox_writer.py),
the one way into the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.messages import Msg


@dataclass(frozen=True)
class Reply:
    """An answer to the command being handled, in its room, as a Matrix reply to it."""

    msg: Msg
    tag: str | None = None  # remembered with the sent event (a meeting invitation that takes reactions)


@dataclass(frozen=True)
class DirectMessage:
    user_id: str
    msg: Msg
    tag: str | None = None  # remembered with the sent event, so that a reply to it can refer back
    no_report: bool = False  # a report of a failed delivery: its own failure is not reported again


@dataclass(frozen=True)
class RoomMessage:
    room_id: str
    msg: Msg
    tag: str | None = None
    reply_to: str | None = None  # a Matrix reply to this event
    no_report: bool = False


@dataclass(frozen=True)
class React:
    room_id: str
    event_id: str
    key: str


@dataclass(frozen=True)
class RawEvent:
    """An event whose content the bot builds itself (a step of a key verification)."""

    room_id: str
    type: str
    content: dict[str, Any]


@dataclass(frozen=True)
class JoinRoom:
    room_id: str
    inviter: str | None = None  # a known user who invited the bot: the room may be their direct chat
    is_direct: bool = False


@dataclass(frozen=True)
class LeaveRoom:
    room_id: str


@dataclass(frozen=True)
class CreateCaseRoom:
    case_id: str
    welcome: Msg  # posted in the room once it exists (with the case card as it was when the case opened)


@dataclass(frozen=True)
class AddToSpace:
    """The case room into the region's space, and its members invited there."""

    case_id: str
    space_id: str
    room_id: str


@dataclass(frozen=True)
class SendFile:
    """A document for a room (an .ics invitation in the case room), or for one person (an export for the privacy
    officer): then in the room the command was typed in while that is still private to them, else in a private
    one."""

    user_id: str | None
    filename: str
    mimetype: str
    data: bytes | Msg  # a Msg is rendered as an HTML document in the recipient's language
    room_id: str | None = None
    pin: bool = False  # pinned in the room (an adopted plan)
    alt: Msg | None = None  # an image (a chart): sent as one, with this text for those who cannot see it
    size: tuple[int, int] | None = None  # an image's width and height in pixels


@dataclass(frozen=True)
class UpdateCaseState:
    """The room's nl.zvh.case state event follows the case (status)."""

    case_id: str


@dataclass(frozen=True)
class PurgeRoom:
    """Retention: the room goes (purged and blocked where the bot is a homeserver admin, else left). The case's
    deletion record then lists the servers that held the room (partners' servers keep their copy)."""

    room_id: str
    case_id: str | None = None


@dataclass(frozen=True)
class InviteToCase:
    case_id: str
    user_id: str


@dataclass(frozen=True)
class RemoveFromCase:
    """Out of the case room and its space: need-to-know ends with the partner's part in the case."""

    case_id: str
    user_id: str


@dataclass(frozen=True)
class AnchorAudit:
    """The audit chain's head, kept outside the database (the bot's account data on the homeserver): someone
    with only the database file can then not drop the newest entries or rewrite the chain unseen."""

    entry_id: int
    hash: str
    at: str


@dataclass(frozen=True)
class CheckAuditAnchors:
    """Compare the chain with its anchors and answer the privacy officer (in reply to their command)."""

    room_id: str
    reply_to: str


Intent = (Reply | DirectMessage | RoomMessage | React | RawEvent | JoinRoom | LeaveRoom | CreateCaseRoom | AddToSpace
          | InviteToCase | RemoveFromCase | SendFile | UpdateCaseState | PurgeRoom | AnchorAudit | CheckAuditAnchors)
