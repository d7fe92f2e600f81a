"""Which due outbox items start first (bot/executor.py `choose`): pure logic; the lanes themselves are tested on
Synapse in test_lanes.py."""
from bot.executor import choose
from storage.outbox import Head

T1, T2 = "2026-12-01T10:00:00.000+00:00", "2026-12-01T10:00:00.001+00:00"


def head(id: int, kind: str, created_at: str = T1, lane: str | None = None) -> Head:
    return Head(id, lane or f"lane{id}", None, kind, created_at)


def ids(heads: list[Head]) -> list[int]:
    return [h.id for h in heads]


def test_rooms_then_messages_then_reactions():
    due = [head(1, "react"), head(2, "message", T2), head(3, "create_case_room", T2)]
    assert ids(choose(due, [], [], 8))[0] == 3
    assert ids(choose([head(1, "react"), head(2, "message")], [], [], 8)) == [2]


def test_a_reaction_waits_while_an_answer_is_on_its_way():
    assert ids(choose([head(1, "react")], [head(2, "message")], [], 8)) == []
    assert ids(choose([head(1, "react")], [], [], 8)) == [1]


def test_a_reaction_that_waited_long_enough_goes_as_a_message():
    assert ids(choose([head(1, "react"), head(2, "message")], [], [], 8, frozenset({1}))) == [1, 2]


def test_what_a_command_wrote_with_a_room_waits_for_it_and_other_commands_do_not():
    room = head(5, "create_case_room", T1)
    due = [head(6, "message", T1), head(7, "message", T2), head(4, "message", T1)]
    assert ids(choose(due, [room], [room], 8)) == [4, 7]  # 6: written after the room, in the same transaction
    assert ids(choose(due, [room], [], 8)) == [4, 6, 7]  # the room took longer than the hold: nothing waits
    assert ids(choose([room, *due], [], [], 8)) == [5, 4, 7]  # the room starts now: the same holds


def test_no_more_than_the_free_slots():
    due = [head(i, "message") for i in range(1, 11)]
    assert ids(choose(due, [head(20, "message")], [], 8)) == [1, 2, 3, 4, 5, 6, 7]


def test_no_more_than_a_few_reactions_at_once():
    due = [head(i, "react") for i in range(1, 6)]
    assert ids(choose(due, [], [], 8)) == [1, 2]
    assert ids(choose(due, [head(9, "react")], [], 8)) == [1]
