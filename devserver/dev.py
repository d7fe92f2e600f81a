"""`zvh-dev` (`./zvh dev`): a throwaway local Synapse with demo accounts, a config, and the bot, to try it with
any client."""
from __future__ import annotations

import argparse
import asyncio
import json
import secrets
from pathlib import Path

from bot.app import Bot
from bot.cli import configure_logging
from core.config import load_config
from devserver.local_synapse import LocalSynapse
from devserver.provision import create_screening_room, write_config

DEMO_PASSWORD = "zvh-demo"
# localpart -> what the account is for in the demo
DEMO_ACCOUNTS = {
    "coordinator": "procesregisseur (ZVH-coördinator)",
    "melder": "professional die meldt (wijkteam)",
    "politie": "contactpersoon politie",
    "ggz": "contactpersoon GGZ",
    "beheer": "beheerder van de bot (verifieert de bot in Element)",
}


def prepare(workdir: Path, port: int) -> tuple[LocalSynapse, Path]:
    syn = LocalSynapse(workdir / "synapse", port=port)
    syn.start()
    config_path = workdir / "config.toml"
    state_path = workdir / "dev-state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    bot_password = state.setdefault("bot_password", secrets.token_urlsafe(16))
    pickle_key = state.setdefault("pickle_key", secrets.token_hex(32))
    bot_id, bot_token = syn.register("zvh-bot", bot_password, admin=True)
    ids = {name: syn.register(name, DEMO_PASSWORD)[0] for name in DEMO_ACCOUNTS}
    if "screening_room" not in state:
        state["screening_room"] = create_screening_room(syn, bot_token, [ids["coordinator"]])
    state_path.write_text(json.dumps(state))
    domain = syn.server_name
    write_config(
        config_path,
        matrix={"homeserver": syn.base_url, "user_id": bot_id, "password": bot_password, "device_id": "ZVHBOT",
                "pickle_key": pickle_key},
        bot={"database": "zvh.db", "region": "Demo", "referral_prefix": "DEMO",
             "screening_room": state["screening_room"], "coordinators": [ids["coordinator"]], "admins": [ids["beheer"]],
             "referrers": [domain], "municipalities": ["Den Haag", "Delft", "Zoetermeer", "Westland"]},
        partners=[
            {"key": "politie", "name": "Politie", "tier": "kern", "contacts": [ids["politie"]]},
            {"key": "ggz", "name": "GGZ", "tier": "casus", "contacts": [ids["ggz"]]},
            {"key": "gemeente", "name": "Gemeente", "tier": "kern", "contacts": []},
            {"key": "om", "name": "Openbaar Ministerie", "tier": "kern", "contacts": []},
        ],
    )
    return syn, config_path


def banner(syn: LocalSynapse) -> str:
    lines = [
        "",
        "ZVH-bot draait op een lokale Synapse (alleen 127.0.0.1).",
        f"  Homeserver: {syn.base_url}   (in Element: 'Andere homeserver' / 'Other homeserver')",
        f"  Wachtwoord voor alle demo-accounts: {DEMO_PASSWORD}",
    ]
    lines += [f"  @{name}:{syn.server_name:<12} {role}" for name, role in DEMO_ACCOUNTS.items()]
    lines += [
        "Log in als @melder, start een chat met @zvh-bot:localhost en typ !melding.",
        "Log in als @coordinator: de screeningsroom staat klaar; typ daar !meldingen en !triage.",
        "Stoppen: Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def run_dev(workdir: Path, port: int) -> None:
    syn, config_path = prepare(workdir, port)
    try:
        bot = Bot(load_config(config_path))
        print(banner(syn), flush=True)
        asyncio.run(bot.run_until_signalled())
    finally:
        syn.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zvh-dev", description="the bot on a throwaway local Synapse with demo "
                                                                "accounts")
    parser.add_argument("--dir", type=Path, default=Path(".dev"))
    parser.add_argument("--port", type=int, default=8008)
    args = parser.parse_args(argv)
    configure_logging()
    run_dev(args.dir.resolve(), args.port)
    return 0
