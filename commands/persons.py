"""The persons concerned of a case, as a plan names one of them: a system (a family or group) gets one plan with
goals for the whole system and goals for one person, written `voor J.D.` (`for J.D.`) before the goal's text.

Read by form, so a goal's text is never taken for a person by accident: initials with full stops (`J.D.`, `K.`)
always name a person, and are refused with the case's persons when they match none; capitals without full stops
(`JD`) only when they are the initials of a person of the case (`voor GGZ-behandeling` stays text). A birth year
after the initials tells apart two persons with the same initials (`voor J.D. 2010`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.messages import fail

FOR = {"voor", "for"}
DOTTED = re.compile(r"(?:[A-Za-z]\.){1,4}|(?:[A-Za-z]\.){1,3}[A-Za-z]")
UNDOTTED = re.compile(r"[A-Z]{2,4}")
YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class PersonRef:
    """`voor J.D. [2010]` at the start of a text: what it names, and the text after it."""

    letters: str  # the initials' letters, upper case: "JD"
    year: int | None
    dotted: bool  # written with full stops: certainly meant as a person
    typed: str  # the reference as typed ("J.D. 2010"), to say what was not found
    rest: str  # the text after the reference


def letters(initials: str) -> str:
    return re.sub(r"[^A-Za-z]", "", initials).upper()


def split_person_ref(text: str) -> PersonRef | None:
    """The person a text names at its start (`voor J.D. 2010 Naar school`), by form only; None if it names none."""
    words = text.split()
    if len(words) < 2 or words[0].lower() not in FOR:
        return None
    dotted = bool(DOTTED.fullmatch(words[1]))
    if not dotted and not UNDOTTED.fullmatch(words[1]):
        return None
    year = int(words[2]) if len(words) > 2 and YEAR.fullmatch(words[2]) else None
    taken = 2 if year is None else 3
    parts = text.split(None, taken)
    return PersonRef(letters(words[1]), year, dotted, " ".join(words[1:taken]),
                     parts[taken].strip() if len(parts) > taken else "")


def label(person: dict[str, Any]) -> str:
    return f"{person['initials']} {person['birth_year']}"


def which_person(ref: PersonRef | None, persons: list[dict[str, Any]]) -> int | None:
    """The person a reference names: their place among the persons concerned (from 1), or None when it names no
    one and was text after all (capitals without full stops). Initials with full stops that match no one, or
    several, are refused with the persons to choose from."""
    if ref is None:
        return None
    same = [n for n, p in enumerate(persons, 1) if letters(p["initials"]) == ref.letters]
    if ref.year is not None:
        same = [n for n in same if persons[n - 1]["birth_year"] == ref.year]
    if not same:
        if not ref.dotted:
            return None
        raise fail("plan.no_such_person", usage=True, value=ref.typed, persons=[label(p) for p in persons])
    if len(same) > 1:
        raise fail("plan.ambiguous_person", usage=True, value=ref.typed,
                   persons=[label(persons[n - 1]) for n in same])
    return same[0]
