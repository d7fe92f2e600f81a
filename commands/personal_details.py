"""What in a text identifies a person, before a consultation question (or its answer) is stored.

The detection is Deduce's (PyPI `deduce`, made for Dutch clinical text: names, dates, addresses, postcodes, BSN
with its 11-check, phone numbers, e-mail addresses, other identifying numbers). What follows is the policy on
top of its tags, per tag type:

- persoon (a name): identifying, unless it is a name the deployment itself knows (a municipality, a partner, a
  theme): Deduce reads "Bouman" in "Bouman GGZ" as a surname.
- locatie: with a digit it is an address (house number) or a postcode: identifying. Without one it is a place or
  a neighbourhood ("in Delft", "Den Haag"): a municipality alone identifies no one, and the desk needs it.
- datum: a date with a year before this one may be a date of birth: identifying; so is any date right after
  "geboren"/"born". A date this year or later (a hearing, an appointment) is not.
- bsn, id (other long numbers), telefoonnummer, emailadres: identifying.
- leeftijd (an age), url (a partner's website), instelling/zorginstelling/ziekenhuis (an organisation): not.

Deduce does not know Dutch licence plates; a small pattern here adds them (three groups with dashes, six letters
and digits, as on the plate: `12-ABC-3`, `XX-99-XX`; without dashes only right after "kenteken").

Deduce builds its lookup tables once after installation (a minute or two; `./zvh bootstrap` does it) and loads
them (seconds, about a gigabyte) in a worker process of its own (core/annotator.py): at start (`[desk] preload`,
the default), else at the first check, so test bots that never check a text do not pay for it."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from core import annotator
from core.annotator import Annotation

NAME, DATE, ADDRESS, POSTCODE, BSN, NUMBER, PHONE, EMAIL, PLATE = (
    "name", "date", "address", "postcode", "bsn", "number", "phone", "email", "licence_plate")
KINDS = (NAME, DATE, ADDRESS, POSTCODE, BSN, NUMBER, PHONE, EMAIL, PLATE)

TAG_KINDS = {"persoon": NAME, "patient": NAME, "datum": DATE, "bsn": BSN, "id": NUMBER, "telefoonnummer": PHONE,
             "emailadres": EMAIL}
NOT_PERSONAL_TAGS = {"leeftijd", "url", "instelling", "zorginstelling", "ziekenhuis"}
POSTCODE_PATTERN = re.compile(r"\b\d{4}\s?[A-Za-z]{2}\b")
BIRTH_CONTEXT = re.compile(r"(geb(oren|\.|oorte\w*)?|born|birth|d\.?o\.?b\.?)\W*(op|on|:)?\s*$", re.I)
PLATE_DASHED = re.compile(r"(?<![\w-])(?=(?:[A-Za-z0-9]-?){6}(?![\w-]))([A-Za-z]{1,3}|\d{1,3})-([A-Za-z]{1,3}|\d{1,3})-"
                          r"([A-Za-z]{1,3}|\d{1,3})(?![\w-])")
PLATE_WORD = re.compile(r"\b(?:kenteken|licen[cs]e plate|number plate)\w*\s*:?\s*([A-Za-z0-9]{6})\b", re.I)


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    fragment: str  # the words that looked personal, as typed


async def find(text: str, known: Iterable[str] = (), today: date | None = None) -> list[Finding]:
    """What in the text looks personal (empty: nothing). known: names the deployment uses that are no one's
    (municipalities, partners, themes)."""
    return judge(text, await annotator.annotate(text), known, today or date.today())


def judge(text: str, annotations: list[Annotation], known: Iterable[str], today: date) -> list[Finding]:
    """The policy above, over Deduce's annotations of the text."""
    allowed = {_fold(k) for k in known if k.strip()}
    allowed_words = {w for k in allowed for w in k.split()}
    found: list[Finding] = []
    for tag, start, fragment in sorted(annotations, key=lambda a: a[1]):
        kind = _kind(tag, fragment.strip(), text[:start], today, allowed, allowed_words)
        if kind:
            found.append(Finding(kind, fragment.strip()))
    found += plates(text)
    return list(dict.fromkeys(found))


def _kind(tag: str, fragment: str, before: str, today: date, allowed: set[str],
          allowed_words: set[str]) -> str | None:
    tag = tag.lower()
    if tag in NOT_PERSONAL_TAGS:
        return None
    if tag == "locatie":
        if not re.search(r"\d", fragment):
            return None  # a place or neighbourhood, no address
        return POSTCODE if POSTCODE_PATTERN.search(fragment) else ADDRESS
    if tag == "datum":
        return DATE if BIRTH_CONTEXT.search(before[-30:]) or _year(fragment, today) < today.year else None
    kind = TAG_KINDS.get(tag, NAME if "persoon" in tag or "naam" in tag else NUMBER)
    if kind == NAME:
        folded = _fold(fragment)
        if folded in allowed or (folded and all(w in allowed_words for w in folded.split())):
            return None
    return kind


def _year(fragment: str, today: date) -> int:
    """The year a date names; a date without a readable year counts as an old one (it may be a birth date)."""
    full = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", fragment)
    if full:
        return int(full.group(1))
    short = re.search(r"[-/.](\d{2})\s*$", fragment)
    if short:
        yy = int(short.group(1))
        return 2000 + yy if yy <= today.year % 100 else 1900 + yy
    return 0


def plates(text: str) -> list[Finding]:
    """Dutch licence plates: six letters and digits in three groups (each all letters or all digits, both kinds
    present), as the plate writes them with dashes; without dashes only after "kenteken"."""
    found = []
    for match in PLATE_DASHED.finditer(text):
        groups = match.groups()
        if any(g.isdigit() for g in groups) and any(g.isalpha() for g in groups):
            found.append(Finding(PLATE, match.group(0)))
    for match in PLATE_WORD.finditer(text):
        value = match.group(1)
        if re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
            found.append(Finding(PLATE, value))
    return found


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
