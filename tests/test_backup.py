"""`zvh-bot backup` while the bot runs, and a restore from it: the bot comes back with what the copy holds, and
redoes the commands the homeserver still has from after the backup (its sync position is part of the copy)."""
import re
import shutil
import sqlite3
import subprocess
import sys

from tests.harness import NUMBER, REPO, file_referral


async def test_online_backup_and_restore(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    kept = await file_referral(melder, dm)

    result = subprocess.run([sys.executable, "-m", "bot.cli", "backup", "--config", str(world.config_path),
                             "--to", str(world.workdir / "saved")], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    folder = world.workdir / "saved" / result.stdout.strip().split("/")[-1]
    with sqlite3.connect(folder / "zvh.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM referrals WHERE id = ?", (kept,)).fetchone()[0] == 1
    assert list((folder / "crypto").glob("*.db"))  # the bot's keys are in it too

    later = await file_referral(melder, dm)  # filed after the backup
    world.bot.stop()
    for suffix in ("", "-wal", "-shm"):
        (world.workdir / f"zvh.db{suffix}").unlink(missing_ok=True)
    shutil.copy(folder / "zvh.db", world.workdir / "zvh.db")
    shutil.rmtree(world.workdir / "crypto")
    shutil.copytree(folder / "crypto", world.workdir / "crypto")
    world.bot.start()
    listed = await melder.command(dm, "!meldingen")
    # The later one is redone from the homeserver's history, under the same number; nothing twice.
    assert sorted(re.findall(NUMBER, listed.body)) == sorted([kept, later])
    with sqlite3.connect(world.workdir / "zvh.db") as db:
        assert db.execute("SELECT COUNT(*) FROM referrals").fetchone()[0] == 2
