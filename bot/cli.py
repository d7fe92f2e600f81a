"""Command line: `zvh-bot run --config FILE`, `zvh-bot check-config FILE`, `zvh-bot backup` (`./zvh dev` is the
homeserver tooling's, in devserver/)."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from core.config import ConfigError, config_is_private, load_config

log = logging.getLogger("zvh")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors. Log lines carry ids and counts, never message text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("nio").setLevel(logging.ERROR)  # nio warns on every error response it parses
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per re-armed wake-up is noise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zvh-bot", description="Case-coordination bot for ZVH on Matrix")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the bot with a config file")
    run.add_argument("--config", type=Path, required=True)
    check = sub.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("config", type=Path)
    save = sub.add_parser("backup", help="write a consistent copy of the database and crypto store (online)")
    save.add_argument("--config", type=Path, required=True)
    save.add_argument("--to", type=Path, help="directory for the backup (default: backups/ next to the database)")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not config_is_private(args.config):
        log.warning("%s can be read by other users; it may hold secrets (chmod 600)", args.config)
    if args.cmd == "check-config":
        print(f"{args.config}: ok")
        return 0
    if args.cmd == "backup":
        from bot.backup import backup

        print(backup(config, args.to))
        return 0
    logging.getLogger().setLevel(config.log_level)
    if config.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    from bot.app import Bot

    asyncio.run(Bot(config).run_until_signalled())
    return 0


if __name__ == "__main__":
    sys.exit(main())
