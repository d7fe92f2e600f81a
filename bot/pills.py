"""A person picked from a client's autocomplete arrives as a mention pill: the body holds the display name, the
HTML a matrix.to link and m.mentions the Matrix ID. Commands read people from the text, so each pill's display
name in the body is replaced by the Matrix ID it links to."""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

from core.config import MXID_PATTERN

_REPLY_FALLBACK = re.compile(r"<mx-reply>.*?</mx-reply>", re.I | re.S)
_PILL = re.compile(r"""<a\s[^>]*href\s*=\s*["']https://matrix\.to/#/([^"'?]+)[^"']*["'][^>]*>(.*?)</a>""", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def pills(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(display text, Matrix ID) for each user pill in the HTML, outside a reply's quoted fallback. Only pills
    the client also lists in m.mentions count when it lists any (what the user picked, not a pasted link)."""
    markup = content.get("formatted_body")
    if content.get("format") != "org.matrix.custom.html" or not isinstance(markup, str):
        return []
    mentioned = (content.get("m.mentions") or {}).get("user_ids")
    found = []
    for target, inner in _PILL.findall(_REPLY_FALLBACK.sub("", markup)):
        user = unquote(target)
        label = html.unescape(_TAG.sub("", inner)).strip()
        if re.match(MXID_PATTERN, user) and label and (not isinstance(mentioned, list) or user in mentioned):
            found.append((label, user))
    return found


def resolve(body: str, content: dict[str, Any]) -> str:
    """The body with each pill's display name replaced by its Matrix ID, in order of appearance."""
    position = 0
    out = []
    for label, user in pills(content):
        at = body.find(label, position)
        if at < 0:
            continue
        out.append(body[position:at])
        out.append(user)
        position = at + len(label)
    out.append(body[position:])
    return "".join(out)
