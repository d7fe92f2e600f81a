"""What a command is: its declaration (names, typed arguments, who may run it where) and what it may do."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from core.config import MXID_PATTERN, Config
from core.intents import DirectMessage, Intent, Reply, RoomMessage
from core.messages import Msg, fail
from storage import cases as case_store
from storage.db import Tx


class RoomKind(str, Enum):
    DM = "dm"
    SCREENING = "screening"
    CASE = "case"
    ARRANGEMENT = "arrangement"  # a light arrangement's room (a case row of kind arrangement)
    CONSULTATION = "consultation"  # the expertise desk's room, when it is not the screening room
    MANAGEMENT = "management"  # the managers' room (config: reports.management_room)
    OTHER = "other"


class Role(str, Enum):
    ANYONE = "anyone"
    REFERRER = "referrer"  # may file referrals (config: referrers, partner contacts, coordinators)
    COORDINATOR = "coordinator"  # ZVH procesregisseur (config: coordinators)
    CASE_MEMBER = "case_member"  # invited to this case (partner member, referrer, directors)
    CASUSREGISSEUR = "casusregisseur"  # directs the content of this case
    PROCESREGISSEUR = "procesregisseur"  # directs the process of this case
    MANAGER = "manager"  # anonymised figures only (config: managers)
    PRIVACY_OFFICER = "privacy_officer"  # audit trail and data-subject requests (config: privacy_officers)
    ADMIN = "admin"  # runs the bot (config: admins)


@dataclass
class Context:
    """Who asks, where, and the open transaction; commands append intents, the bot layer performs them."""

    tx: Tx
    config: Config
    sender: str
    room_id: str
    room_kind: RoomKind
    lang: str
    event_id: str
    now: datetime
    case: case_store.Case | None = None
    intents: list[Intent] = field(default_factory=list)
    reaction: bool = True  # ✅ on success; False for plain answers in a dialogue
    failed: bool = False  # partly done (the intake kept the valid fields): react ❌ without undoing
    command: Command | None = None  # set once the name is known, so an error can show its usage line
    form: Form | None = None  # which of the command's forms was chosen
    in_reply_to: str | None = None  # the event the command replies to (e.g. `!later` on a reminder)
    room_encrypted: bool = True  # the room is end-to-end encrypted (referral details are shown only there)

    def require_encryption(self) -> None:
        """Referral details (initials, birth years, free text) only in an end-to-end encrypted room, unless the
        deployment does without encryption altogether."""
        if self.config.bot.encrypt_rooms and not self.room_encrypted:
            raise fail("error.needs_encryption", room=self.room_kind.value)

    # Positional-only: a message parameter may itself be called "key" or "user_id".
    def reply(self, key: str, /, **params: Any) -> None:
        self.intents.append(Reply(Msg(key, params)))

    def ask(self, users: list[str], key: str, /, tag: str | None = None, **params: Any) -> None:
        """A reply that asks these people to act: it notifies exactly them. tag: remembered with the sent message,
        so that reactions to it can be read (an invitation)."""
        self.intents.append(Reply(Msg(key, params).to(*users), tag=tag))

    def dm(self, user_id: str, key: str, /, notify: bool = False, **params: Any) -> None:
        """notify: the message asks the person to act, so it rings (an outcome, an invitation)."""
        msg = Msg(key, params)
        self.intents.append(DirectMessage(user_id, msg.to(user_id) if notify else msg))

    def post(self, room_id: str, key: str, /, **params: Any) -> None:
        self.intents.append(RoomMessage(room_id, Msg(key, params)))

    @property
    def room_case(self) -> case_store.Case:
        """The case of the room the command runs in (commands declared for case rooms only)."""
        if self.case is None:
            raise RuntimeError("a case-room command outside a case room")
        return self.case

    def require_open_case(self) -> None:
        """A closed case is read-only: nothing new is planned or chased in it."""
        if self.case is not None and self.case.status == "closed":
            raise fail("case.is_closed", nr=self.case.id)

    async def has_role(self, role: Role) -> bool:
        if role is Role.ANYONE:
            return True
        if role is Role.REFERRER:
            return self.config.may_refer(self.sender)
        if role is Role.COORDINATOR:
            return self.config.is_coordinator(self.sender)
        if role is Role.MANAGER:
            return self.config.is_manager(self.sender) or self.config.is_coordinator(self.sender)
        if role is Role.PRIVACY_OFFICER:
            return self.config.is_privacy_officer(self.sender)
        if role is Role.ADMIN:
            return self.config.is_admin(self.sender)
        if self.case is None:
            return False
        if role is Role.PROCESREGISSEUR:
            return self.case.procesregisseur == self.sender
        if role is Role.CASUSREGISSEUR:
            return self.sender in (self.case.casusregisseur, self.case.procesregisseur)
        return await case_store.member(self.tx, self.case.id, self.sender) is not None


# ---- typed arguments -------------------------------------------------------------------------------------------

class Arg:
    """One declared argument. `parse` gets the remaining text and returns (value, rest)."""

    def __init__(self, nl: str, en: str | None = None, required: bool = True) -> None:
        self.names = {"nl": nl, "en": en or nl}
        self.required = required

    def usage(self, lang: str) -> str:
        text = f"<{self.names[lang]}>"
        return text if self.required else f"[{text}]"

    def accepts(self, word: str) -> bool:
        """Whether a first word belongs to this argument; picks the form of a command with several."""
        return True

    def parse(self, ctx: Context, text: str) -> tuple[Any, str]:
        word, rest = split_word(text)
        return self.convert(ctx, word), rest

    def convert(self, ctx: Context, word: str) -> Any:
        return word

    async def resolve(self, ctx: Context, value: Any) -> Any:
        """What needs the database to be checked (a member of the case); after all arguments are parsed."""
        return value


class Word(Arg):
    pass


class UserArg(Arg):
    """A person: `@user:server`, `@user` (see resolve_user) or a mention pill (the handler has already put the
    Matrix ID in its place). members_only: they must be in the case."""

    def __init__(self, nl: str, en: str | None = None, required: bool = True, members_only: bool = True) -> None:
        super().__init__(nl, en, required)
        self.members_only = members_only

    def accepts(self, word: str) -> bool:
        return word.startswith("@")

    async def resolve(self, ctx: Context, value: Any) -> Any:
        return None if value is None else await resolve_user(ctx, value, self.members_only)


async def resolve_user(ctx: Context, word: str, members_only: bool = True) -> str:
    """A Matrix ID from `@user:server` or `@user`: the one member of this case with that localpart, or, for someone
    who need not be in it yet (`!partner toevoegen @user`), the one such person in the partner directory."""
    members = {m.user_id for m in await case_store.members(ctx.tx, ctx.case.id)} if ctx.case else set()
    if ":" not in word:
        known = members if members_only else members | ctx.config.directory_people()
        found = {user for user in known if user.lower().startswith(word.lower() + ":")}
        word = found.pop() if len(found) == 1 else word
    if not re.match(MXID_PATTERN, word):
        raise fail("lead.bad_user", usage=True, value=word)
    if members_only and word not in members:
        raise fail("lead.not_member", value=word)
    return word


class Rest(Arg):
    """Everything that follows, newlines included; bounded, as everything a user types."""

    def __init__(self, nl: str, en: str | None = None, required: bool = True, max_length: int = 2000) -> None:
        super().__init__(nl, en, required)
        self.max_length = max_length

    def parse(self, ctx: Context, text: str) -> tuple[Any, str]:
        text = text.strip()
        if len(text) > self.max_length:
            raise fail("intake.invalid.too_long", max=self.max_length)
        return text, ""


class Choice(Arg):
    """One of a fixed set of words, accepted in Dutch and English; the value is the canonical (first) form."""

    def __init__(self, nl: str, en: str | None, options: dict[str, dict[str, str]], required: bool = True) -> None:
        super().__init__(nl, en, required)
        self.options = options  # canonical -> {"nl": word, "en": word}

    def usage(self, lang: str) -> str:
        text = "|".join(words[lang] for words in self.options.values())
        return text if self.required else f"[{text}]"

    def accepts(self, word: str) -> bool:
        return self.lookup(word) is not None

    def lookup(self, word: str) -> str | None:
        lowered = word.lower()
        for canonical, words in self.options.items():
            if lowered in {w.lower() for w in words.values()} or lowered == canonical:
                return canonical
        return None

    def convert(self, ctx: Context, word: str) -> Any:
        lowered = word.lower()
        for canonical, words in self.options.items():
            if lowered in {w.lower() for w in words.values()} or lowered == canonical:
                return canonical
        raise fail("error.bad_choice", usage=True, value=word,
                   options=", ".join(words[ctx.lang] for words in self.options.values()))


class Number(Arg):
    """A per-case number: `3` or `#3`."""

    PATTERN = re.compile(r"^#?(\d{1,6})$")

    def accepts(self, word: str) -> bool:
        return bool(self.PATTERN.match(word))

    def convert(self, ctx: Context, word: str) -> Any:
        match = self.PATTERN.match(word)
        if not match:
            raise fail("error.bad_item_number", usage=True, value=word)
        return int(match.group(1))


REFERRAL_NUMBER = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{4,}$")
SHORT_REFERRAL_NUMBER = re.compile(r"^\d{1,4}$")  # the year's counter, as shown


class ReferralNumber(Arg):
    """`HGL-2026-0042`, or `42` for this year's referral 42 in this region (what people say aloud)."""

    def accepts(self, word: str) -> bool:
        return bool(REFERRAL_NUMBER.match(word) or SHORT_REFERRAL_NUMBER.match(word))

    def convert(self, ctx: Context, word: str) -> Any:
        if SHORT_REFERRAL_NUMBER.match(word):
            return f"{ctx.config.bot.referral_prefix}-{ctx.now.year}-{int(word):04d}".upper()
        if not REFERRAL_NUMBER.match(word):
            raise fail("error.bad_number", usage=True, value=word, example=f"{ctx.config.bot.referral_prefix}-"
                       f"{ctx.now.year}-0001")
        return word.upper()


def parse_partner_keys(config: Config, keys: list[str]) -> list[str]:
    """Organisation keys from the partner directory, each once; an unknown key is refused with the known ones."""
    keys = [k.lower() for k in keys]
    unknown = [k for k in keys if config.partner(k) is None]
    if unknown:
        raise fail("error.unknown_partner", usage=True, value=", ".join(unknown),
                   known=", ".join(p.key for p in config.partners))
    return list(dict.fromkeys(keys))


def split_word(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


# ---- declaration and registry ------------------------------------------------------------------------------------

Handler = Callable[..., Awaitable[None]]


@dataclass
class Form:
    """One way to call a command: its arguments and what it does (`!actie @jan ...` and `!actie 3 klaar ...`).
    role: a form may need more than the command (`!plan` for members, `!plan vaststellen` for the
    procesregisseur)."""

    args: list[Arg]
    handler: Handler
    role: Role | None = None
    read_only: bool = False  # it only shows (a list, a card, help): safe to suggest for a mistyped name

    def usage(self, lang: str, name: str) -> str:
        return " ".join([name, *(arg.usage(lang) for arg in self.args)])


@dataclass
class Command:
    names: dict[str, str]  # {"nl": ..., "en": ...}
    where: dict[RoomKind, Role]  # in which kind of room, and who may run it there
    forms: list[Form]
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.names["nl"]

    @property
    def args(self) -> list[Arg]:
        return self.forms[0].args

    @property
    def read_only(self) -> bool:
        """Some form only shows something: the command may be suggested for a mistyped name, which never leads
        anyone to a command that changes or closes something (`!besluitt` must not offer `!afsluiten`)."""
        return any(form.read_only for form in self.forms)

    def all_names(self) -> set[str]:
        return {self.names["nl"], self.names["en"], *self.aliases}

    def usage(self, lang: str, prefix: str, form: Form | None = None) -> str:
        forms = [form] if form else self.forms
        return " | ".join(f.usage(lang, f"{prefix}{self.names[lang]}") for f in forms)

    def choose(self, rest: str) -> Form:
        word, _ = split_word(rest)
        if not word:  # no arguments: the form that needs none (`!overleg` lists), else the first
            return next((f for f in self.forms if not any(a.required for a in f.args)), self.forms[0])
        for form in self.forms:
            if not form.args or form.args[0].accepts(word):
                return form
        return self.forms[-1]


REGISTRY: list[Command] = []


def command(nl: str, en: str, *, where: dict[RoomKind, Role], args: tuple[Arg, ...] = (),
            aliases: tuple[str, ...] = (), role: Role | None = None,
            read_only: bool = False) -> Callable[[Handler], Handler]:
    """Declare a command; declaring the same name again adds another form (tried in order of declaration).
    role: what this form needs beyond the command's `where`. read_only: this form changes nothing, it only shows."""
    def register(handler: Handler) -> Handler:
        existing = lookup(nl)
        form = Form(list(args), handler, role, read_only)
        if existing is not None:
            assert existing.names["en"] == en and existing.where == where, f"forms of {nl} must agree"
            existing.forms.append(form)
        else:
            REGISTRY.append(Command({"nl": nl, "en": en}, dict(where), [form], aliases))
        return handler

    return register


def lookup(name: str) -> Command | None:
    name = name.lower()
    return next((c for c in REGISTRY if name in c.all_names()), None)
