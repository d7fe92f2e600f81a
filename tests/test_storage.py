"""Storage rules that need no homeserver: migrations, the newer-database guard, the ledger, the audit chain."""
import base64
import sqlite3

import pytest

from storage import audit, events, outbox, referrals
from storage.db import Database, DatabaseTooNew
from storage.dossier import readable
from storage.migrations import MIGRATIONS


async def test_migrations_run_once_and_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "zvh.db"
    db = await Database.open(path)
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()
    db = await Database.open(path)  # reopening applies nothing twice
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNew):
        await Database.open(path)


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    db = await Database.open(tmp_path / "zvh.db")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await events.mark_handled(tx, "$e1", "!r")
            await outbox.enqueue_many(tx, [("send", "room:!r", {"room_id": "!r", "content": {}})])
            raise RuntimeError("crash mid-command")
    async with db.transaction() as tx:
        assert await events.mark_handled(tx, "$e1", "!r")  # it was not recorded, so it is new now
        assert not await events.mark_handled(tx, "$e1", "!r")  # and only once
        assert await outbox.depth(tx) == 0
    await db.close()


async def test_referral_numbers_count_per_year_without_gaps(tmp_path):
    db = await Database.open(tmp_path / "zvh.db")
    async with db.transaction() as tx:
        first = await referrals.next_number(tx, "HGL", 2026)
        second = await referrals.next_number(tx, "HGL", 2026)
        other_year = await referrals.next_number(tx, "HGL", 2027)
    assert (first, second, other_year) == ("HGL-2026-0001", "HGL-2026-0002", "HGL-2027-0001")
    await db.close()


async def test_the_outbox_keeps_order_within_a_lane_and_lanes_apart(tmp_path):
    db = await Database.open(tmp_path / "zvh.db")
    async with db.transaction() as tx:
        await outbox.enqueue_many(tx, [("send", "room:!a", {"n": 1}), ("send", "room:!a", {"n": 2}),
                                       ("send", "room:!b", {"n": 3})])
        a1, b = [h.id for h in await outbox.heads(tx)]  # the first of each room: !a's second waits for its first
        assert (await outbox.get(tx, a1)).payload == {"n": 1} and (await outbox.get(tx, b)).payload == {"n": 3}
        await outbox.retry_later(tx, a1, "2099-01-01T00:00:00+00:00", "down")
        heads = await outbox.heads(tx)  # a retry waiting holds its own lane only
        assert [(h.id, h.not_before) for h in heads] == [(a1, "2099-01-01T00:00:00+00:00"), (b, None)]
        await outbox.mark_done(tx, a1, {"event_id": "$x"})
        assert [(await outbox.get(tx, h.id)).payload for h in await outbox.heads(tx)] == [{"n": 2}, {"n": 3}]
        await tx.execute("UPDATE outbox SET payload = 'not json' WHERE id = ?", (b,))
        assert await outbox.get(tx, b) is None  # unreadable: failed on the spot, never blocking its lane
        assert [h.lane for h in await outbox.heads(tx)] == ["room:!a"]
    await db.close()


async def test_audit_chain_finds_a_tampered_entry(tmp_path):
    db = await Database.open(tmp_path / "zvh.db")
    async with db.transaction() as tx:
        for i in range(3):
            await audit.append(tx, "@a:x", "referral.shown", case_id=f"HGL-2026-000{i}", purpose="screening")
        assert await audit.verify(tx) is None
        await tx.execute("UPDATE audit_log SET actor = '@mallory:x' WHERE id = 2")
        assert await audit.verify(tx) == 2
    await db.close()


def test_an_access_request_hands_over_archived_pdfs_whole():
    pdf = b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n\x00\xff binary"
    assert readable(pdf) == "base64:" + base64.b64encode(pdf).decode()
    assert readable("<p>één</p>".encode()) == "<p>één</p>" and readable(3) == 3
