"""A message by catalogue key with its parameters, and the refusal that carries one: what commands say, what the
bot renders and sends, in one neutral place."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Msg:
    """A message by catalogue key; rendered in the recipient's language by the bot layer."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    mentions: tuple[str, ...] = ()  # users to notify (m.mentions); the template shows them

    @classmethod
    def of(cls, key: str, /, **params: Any) -> Msg:
        return cls(key, params)

    def to(self, *users: str | None) -> Msg:
        """The same message asking these people to act: it notifies them (and only them)."""
        return replace(self, mentions=tuple(dict.fromkeys(u for u in (*self.mentions, *users) if u)))


class CommandError(Exception):
    """The user's request cannot be done; the message says why. Nothing the command changed is kept."""

    def __init__(self, msg: Msg, usage: bool = False) -> None:
        super().__init__(msg.key)
        self.msg = msg
        self.usage = usage


def fail(key: str, usage: bool = False, **params: Any) -> CommandError:
    return CommandError(Msg(key, params), usage=usage)
