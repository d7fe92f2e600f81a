"""What a command asks the bot layer to do (send, invite, create a room, ...), as plain data; the bot turns each
into outbox entries in the command's own transaction (bot/effects.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commands.base import Msg


@dataclass(frozen=True)
class Reply:
    msg: Msg


@dataclass(frozen=True)
class DirectMessage:
    user_id: str
    msg: Msg
    tag: str | None = None  # remembered with the sent event, so that a reply to it can refer back


@dataclass(frozen=True)
class RoomMessage:
    room_id: str
    msg: Msg
    tag: str | None = None


@dataclass(frozen=True)
class CreateCaseRoom:
    case_id: str


@dataclass(frozen=True)
class SendFile:
    """A document for one person in their direct chat (an export for the privacy officer), or for a room (an .ics
    invitation in the case room)."""

    user_id: str | None
    filename: str
    mimetype: str
    data: bytes | Msg  # a Msg is rendered as an HTML document in the recipient's language
    room_id: str | None = None
    pin: bool = False  # pinned in the room (an adopted plan)


@dataclass(frozen=True)
class UpdateCaseState:
    """The room's nl.zvh.case state event follows the case (status)."""

    case_id: str


@dataclass(frozen=True)
class PurgeRoom:
    """Retention: the room goes (purged and blocked where the bot is a homeserver admin, else left)."""

    room_id: str


@dataclass(frozen=True)
class InviteToCase:
    case_id: str
    user_id: str


@dataclass(frozen=True)
class RemoveFromCase:
    """Out of the case room and its space: need-to-know ends with the partner's part in the case."""

    case_id: str
    user_id: str


Effect = (Reply | DirectMessage | RoomMessage | CreateCaseRoom | InviteToCase | RemoveFromCase | SendFile
          | UpdateCaseState | PurgeRoom)
