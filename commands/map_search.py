"""Searching the sociale kaart as people type: by word, life domain or track, forgiving typos (rapidfuzz, a well-kept
fuzzy matcher) and synonyms (the life domains' short forms of core/vocabulary: ggz is geestelijke gezondheid,
schulden is financiën; and the tracks' other names: strafrecht is straf). Pure logic: no database, no Matrix."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from commands.fields import DOMAIN_MAX_WORDS, DOMAIN_WORDS, fold, match_domain
from core.social_map import TRACK_ALIASES, TRACKS, Offer, SocialMap
from core.vocabulary import DOMAIN_ALIASES, LIFE_DOMAINS

FOUND = 80  # how alike (0-100) a query must be to an entry to show it
TYPO = 85  # how alike a word must be to a life domain's or track's name to be read as that domain or track
MIN_FUZZY = 4  # shorter words (ggz, om) must match exactly or as the start of a word: too short to guess at


def normal(text: str) -> str:
    """Lower case, accents and punctuation gone, words kept apart: for comparing words."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Every way to name a track, normalised -> the track.
TRACK_WORDS = {normal(word): key for key, labels in TRACKS.items()
               for word in (key, *labels.values(), *TRACK_ALIASES.get(key, ()))}


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: a word, or a life domain or track it names (with the words that mean it)."""

    text: str
    domain: str | None = None
    track: str | None = None
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def domains(self) -> set[str]:
        return {t.domain for t in self.terms if t.domain}

    @property
    def tracks(self) -> set[str]:
        return {t.track for t in self.terms if t.track}


@dataclass(frozen=True)
class Hit:
    offer: Offer
    score: float
    domains: set[str] = field(default_factory=set)  # the life domains it was found by


def domain_synonyms(key: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normal(w) for w in (key.replace("_", " "), *LIFE_DOMAINS[key].values(),
                                                    *DOMAIN_ALIASES.get(key, ()))))


def nearest(phrase: str, words: dict[str, str], folded: bool) -> str | None:
    """The key of the word in `words` most like `phrase`, if alike enough (a typo)."""
    wanted = fold(phrase) if folded else normal(phrase)
    if len(wanted) < MIN_FUZZY + 1:
        return None
    best, key = 0.0, None
    for candidate, found in words.items():
        if len(candidate) < MIN_FUZZY:
            continue
        score = fuzz.ratio(wanted, candidate)
        if score > best:
            best, key = score, found
    return key if best >= TYPO else None


def read_query(text: str) -> Query:
    """The query's words, with the phrases that name a life domain or track (exactly, by a short form or with a
    typo) taken together: "geestelijke gezondheid jongeren" is the domain and the word "jongeren"."""
    words = normal(text).split()
    terms: list[Term] = []
    at = 0
    while at < len(words):
        for size in range(min(DOMAIN_MAX_WORDS, len(words) - at), 0, -1):
            phrase = " ".join(words[at:at + size])
            domain = match_domain(phrase) or (nearest(phrase, DOMAIN_WORDS, folded=True) if size == 1 or
                                              size > 1 and len(phrase) > 8 else None)
            track = TRACK_WORDS.get(phrase) or (nearest(phrase, TRACK_WORDS, folded=False) if size == 1 else None)
            if domain:
                terms.append(Term(phrase, domain=domain, synonyms=domain_synonyms(domain)))
            elif track:
                terms.append(Term(phrase, track=track, synonyms=tuple(w for w, k in TRACK_WORDS.items()
                                                                      if k == track)))
            elif size == 1:
                terms.append(Term(phrase))
            else:
                continue
            at += size
            break
    return Query(tuple(terms))


def haystack(offer: Offer, name: str) -> list[str]:
    """The entry's words: its key and name, interventions, target group, how to reach it, its area."""
    text = " ".join([offer.partner, name, *offer.interventions, offer.target_group, offer.contact, *offer.area])
    return normal(text).split()


def word_score(word: str, tokens: list[str], typos: bool = True) -> float:
    """How well one word is found among an entry's words: exactly, as the start of a longer word ("schuld" in
    "schuldhulpverlening"), or, for longer words typed by someone (not a synonym of ours), with a typo."""
    if not word:
        return 0.0
    best = 0.0
    for token in tokens:
        # A synonym of ours counts as the start of a word only when it says enough ("schuld", not "werk").
        if token == word or token.startswith(word) and len(word) >= (3 if typos else 5):
            return 100.0
        if typos and len(word) >= MIN_FUZZY:
            score = fuzz.ratio(word, token)
            if len(token) > len(word):
                score = max(score, fuzz.partial_ratio(word, token) - 5)  # within a compound, a little less sure
            best = max(best, score)
    return best


def phrase_score(phrase: str, tokens: list[str], typos: bool = True) -> float:
    words = phrase.split()
    return min(word_score(w, tokens, typos) for w in words) if words else 0.0


def term_score(term: Term, offer: Offer, tokens: list[str]) -> float:
    if term.domain and term.domain in offer.domains or term.track and term.track in offer.tracks:
        return 100.0
    return max([phrase_score(term.text, tokens), *(phrase_score(s, tokens, typos=False) for s in term.synonyms)])


def search(social_map: SocialMap, names: dict[str, str], text: str) -> list[Hit]:
    """Entries that match every term of the query well enough, best first. names: partner key -> the name to show
    (the directory's, or the entry's own)."""
    query = read_query(text)
    if not query.terms:
        return [Hit(o, 100.0) for o in social_map.offer]
    hits = []
    for offer in social_map.offer:
        tokens = haystack(offer, names.get(offer.partner, offer.name))
        scores = [term_score(t, offer, tokens) for t in query.terms]
        score = sum(scores) / len(scores)
        if min(scores) >= FOUND:
            hits.append(Hit(offer, score, query.domains & set(offer.domains)))
    hits.sort(key=lambda h: (-h.score, names.get(h.offer.partner, h.offer.name).lower()))
    return hits


def for_domains(social_map: SocialMap, domains: list[str], track: str | None = None) -> list[Offer]:
    """Who offers something for these life domains (most of them first); with a track, those on that track, or,
    when none is, all of them."""
    found = [o for o in social_map.offer if set(o.domains) & set(domains)]
    if track:
        found = [o for o in found if track in o.tracks] or found
    return sorted(found, key=lambda o: -len(set(o.domains) & set(domains)))
