"""A message from the catalogue as Matrix event content: an answer is an m.notice; a message that asks people to
act is an m.text naming exactly them in m.mentions (push rules never notify for m.notice), with a pill for each."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from core.messages import Msg
from core.render import mention, pill_link, render

KEYS_FIELD = "nl.zvh.keys"


def message_keys(msg: Msg) -> list[str]:
    keys = [msg.key]
    for value in msg.params.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Msg):
                keys.extend(k for k in message_keys(item) if k not in keys)
    return keys


def message_content(msg: Msg, lang: str, reply_to: str | None = None) -> dict[str, Any]:
    body, formatted = render(msg, lang)
    mentions = list(dict.fromkeys(msg.mentions))
    missing = [user for user in mentions if pill_link(user) not in formatted]
    if missing:  # every person named in m.mentions is visibly named too
        formatted = f"{Markup(', ').join(mention(u) for u in missing)}: {formatted}"
        body = f"{', '.join(missing)}: {body}"
    content: dict[str, Any] = {
        "msgtype": "m.text" if mentions else "m.notice", "body": body,
        "format": "org.matrix.custom.html", "formatted_body": formatted,
        # Always present: with m.mentions the homeserver ignores the legacy body rules, so no text a user typed
        # (a display name, "@room") can make a bot message ping anyone not listed here.
        "m.mentions": {"user_ids": mentions} if mentions else {},
        # Which catalogue messages it was rendered from (outer first): tools and tests read what was said by key,
        # whatever the wording. Keys only, never parameters.
        KEYS_FIELD: message_keys(msg),
    }
    if reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content
