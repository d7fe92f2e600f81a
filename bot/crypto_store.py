"""The crypto store on disk: private files, pickled with the deployment's own secret (not the library's default)."""
from __future__ import annotations

import logging
from pathlib import Path

import nio
from nio.crypto.sessions import OlmAccount

log = logging.getLogger(__name__)
LIBRARY_DEFAULT_KEY = "DEFAULT_KEY"  # matrix-nio's public default: anyone with the files could open them


def make_private(store: Path) -> None:
    """The store holds the bot's decryption keys: only the bot's user may read it."""
    store.mkdir(parents=True, exist_ok=True)
    store.chmod(0o700)
    for path in store.iterdir():
        if path.is_file():
            path.chmod(0o600)


def rekey(store: Path, user_id: str, device_id: str, pickle_key: str) -> bool:
    """A store pickled with the library's default key (before the pickle key was configured) is re-pickled with
    the configured one, so existing keys and sessions survive. True when something was re-pickled."""
    path = store / f"{user_id}_{device_id}.db"
    if not path.exists() or pickle_key == LIBRARY_DEFAULT_KEY:
        return False
    if _opens(path, store, user_id, device_id, pickle_key):
        return False
    old = nio.store.DefaultStore(user_id, device_id, str(store), LIBRARY_DEFAULT_KEY)
    account = old.load_account()
    if account is None:
        return False
    sessions = old.load_sessions()
    groups = old.load_inbound_group_sessions()
    old.pickle_key = pickle_key
    old.save_account(account)
    for curve_key, per_key in sessions.items():
        for session in per_key:
            old.save_session(curve_key, session)
    for session in groups:
        old.save_inbound_group_session(session)
    log.info("re-pickled the crypto store with the configured pickle key")
    return True


def _opens(path: Path, store: Path, user_id: str, device_id: str, pickle_key: str) -> bool:
    try:
        account = nio.store.DefaultStore(user_id, device_id, str(store), pickle_key).load_account()
    except Exception:  # the library raises its crypto backend's own error for a wrong key
        return False
    return isinstance(account, OlmAccount) or account is None
