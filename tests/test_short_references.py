"""Short references, as people type them: `!toon 2` for this year's referral 2, `@localpart` for the one person of
that name in the case (or, for someone to be added, in the partner directory)."""
import pytest

from tests.harness import open_case


def localpart(user_id: str) -> str:
    return user_id.split(":")[0]


@pytest.mark.clock("2026-12-01T10:00:00")
async def test_short_referral_numbers_and_localparts(world):
    number, room = await open_case(world, "politie", members=("politie",))
    assert number == "HGL-2026-0001"
    coordinator, ggz = await world.user("coordinator"), await world.user("ggz")
    pid, gid = world.ids["politie"], world.ids["ggz"]

    shown = await coordinator.command(world.screening_room, "!toon 1")
    assert shown.ok and shown.says("referrals.full") and number in shown.body, shown.keys
    missing = await coordinator.command(world.screening_room, "!toon 7")
    assert missing.failed and missing.says("referrals.not_found") and "HGL-2026-0007" in missing.body

    lead = await coordinator.command(room, f"!regie casus {localpart(pid)}")
    assert lead.ok and lead.says("lead.set") and pid in lead.body, lead.keys
    added = await coordinator.command(room, f"!partner toevoegen {localpart(gid)}")  # not in the case yet
    assert added.ok and added.says("partner.added") and gid in added.body, added.keys
    await ggz.wait_invite(lambda r, s: r == room)
    removed = await coordinator.command(room, f"!partner verwijderen {localpart(gid)}")
    assert removed.ok and removed.says("partner.removed") and gid in removed.body, removed.keys
    outsider = await coordinator.command(room, f"!partner toevoegen {localpart(world.ids['buiten'])}")
    assert outsider.failed and outsider.says("lead.bad_user"), outsider.keys  # not in the directory: no one
