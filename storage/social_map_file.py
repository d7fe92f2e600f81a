"""The sociale kaart's file: read when it changed (an admin may also edit it by hand, without a restart), written
back whole and atomically (a temporary file beside it, flushed to disk, then renamed over it; the previous version
kept as `<file>.bak`), so a crash or a full disk never leaves half a kaart."""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from core.social_map import SocialMap, SocialMapError, dump, parse

log = logging.getLogger(__name__)
_cache: dict[Path, tuple[tuple[int, int], SocialMap]] = {}


def load(path: Path) -> SocialMap:
    """The kaart as the file holds it now; an empty one when there is no file. A file that cannot be read as a
    kaart raises SocialMapError (the command says so; the bot goes on)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return SocialMap()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        found = parse(path.read_text(encoding="utf-8"))
    except SocialMapError as exc:
        log.warning("the sociale kaart %s cannot be used: %s", path, exc)
        raise
    _cache[path] = (stamp, found)
    return found


def save(path: Path, social_map: SocialMap) -> None:
    text = dump(social_map)
    parse(text)  # what is written must read back as the same kaart
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            _keep_previous(path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _cache.pop(path, None)


def _keep_previous(path: Path) -> None:
    """A copy of the version before the change, beside it (the rename that follows replaces the file itself)."""
    backup = path.with_name(path.name + ".bak")
    backup.write_bytes(path.read_bytes())
