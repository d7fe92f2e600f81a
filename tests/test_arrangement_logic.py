"""Light arrangements, the pure parts: how a term is read, and how an arrangement is told apart from a case."""
from datetime import date

from commands.arrangements import read_term
from storage import arrangements, cases
from storage.db import Database


def test_a_term_at_the_end_of_the_partners():
    assert read_term(["ggz", "politie", "6", "weken"]) == (["ggz", "politie"], 42)
    assert read_term(["ggz", "3w"]) == (["ggz"], 21)
    assert read_term(["ggz", "10", "dagen"]) == (["ggz"], 10)
    assert read_term(["ggz", "2", "weeks"]) == (["ggz"], 14)
    assert read_term(["ggz", "politie"]) == (["ggz", "politie"], None)
    assert read_term([]) == ([], None)


async def test_an_arrangement_is_a_case_row_of_its_own_kind_until_it_is_escalated():
    """(What the figures make of them: tests/test_report_desk.py.)"""
    db = await Database.open(":memory:")
    async with db.transaction() as tx:
        for n, status in enumerate(("escalated", "aligned", "aligned", "aligned"), start=1):
            number = f"HGL-2026-000{n}"
            await tx.execute("INSERT INTO referrals(id, referrer, fields, status, created_at) VALUES (?, ?, ?, ?, ?)",
                             (number, "@m:x", "{}", status, "2026-11-01"))
            await cases.create(tx, number, "overlast", "Delft", "@c:x")
            if status == "aligned":
                await arrangements.begin(tx, number, date(2026, 12, 28))
        await cases.close(tx, "HGL-2026-0003", "2026-12-28T08:00:00.000+00:00", "term_ended")
        await arrangements.escalate(tx, "HGL-2026-0004", "2026-12-10T08:00:00.000+00:00")
        assert [(await cases.get(tx, f"HGL-2026-000{n}")).kind for n in (1, 2, 3)] == [cases.CASE, *[
            cases.ARRANGEMENT] * 2]
        assert (await cases.get(tx, "HGL-2026-0004")).kind == cases.CASE  # a case now, counted as one too
    await db.close()
