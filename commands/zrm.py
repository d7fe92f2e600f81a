"""Self-reliance scores (Zelfredzaamheid-Matrix, 1 = acute to 5 = self-reliant) per life domain of a case:
`!zrm <leefgebied> <1-5> [start|evaluatie|afsluiting]` records one, `!zrm` shows them side by side.

Which moment a score belongs to, unless the word after it says so: before the plan is first adopted, the start;
after that, the evaluation (for the plan's evaluation date at that time); while the case is in monitoring (the
work is done), closure. Closure scores are given before the closing `ja`, with `afsluiting`: a closed case is
read-only, and its final report shows the first and last score per domain."""
from __future__ import annotations

from typing import Any

from commands.base import Arg, Choice, Context, Role, RoomKind, command
from commands.plan import Domain
from core.intents import Reply
from core.messages import Msg, fail
from core.vocabulary import LIFE_DOMAINS
from storage import audit, zrm
from storage import plan as plans

IN_CASE = {RoomKind.CASE: Role.CASE_MEMBER}
MOMENT_WORDS = {zrm.START: {"nl": "start", "en": "start"}, zrm.EVALUATION: {"nl": "evaluatie", "en": "review"},
                zrm.CLOSURE: {"nl": "afsluiting", "en": "closure"}}


class Score(Arg):
    """A ZRM score: a whole number from 1 (acute) to 5 (self-reliant)."""

    def convert(self, ctx: Context, word: str) -> Any:
        if not (word.isdigit() and 1 <= int(word) <= 5):
            raise fail("zrm.bad_score", usage=True, value=word[:20])
        return int(word)


def default_moment(status: str, plan: plans.Plan) -> str:
    """The moment a score belongs to when none is named (see the module's docstring)."""
    if status == "monitoring":
        return zrm.CLOSURE
    return zrm.START if plan.adopted_version is None else zrm.EVALUATION


def table(given: list[zrm.Score]) -> dict[str, Any]:
    """The scores side by side: the moments in order, and per life domain (in the ZRM's order) a score per moment
    or None."""
    columns = zrm.columns(given)
    rows = [(domain, [column.scores[domain].score if domain in column.scores else None for column in columns])
            for domain in LIFE_DOMAINS if any(domain in column.scores for column in columns)]
    return {"columns": columns, "rows": rows}


async def show_msg(ctx: Context) -> Msg:
    return Msg.of("zrm.show", case_id=ctx.room_case.id, prefix=ctx.config.bot.command_prefix,
                  **table(await zrm.scores(ctx.tx, ctx.room_case.id)))


@command("zrm", "ssm", where=IN_CASE, args=(Domain("leefgebied", "domain"), Score("1-5"),
                                             Choice("moment", "moment", MOMENT_WORDS, required=False)))
async def record(ctx: Context, domain: str, score: int, moment: str | None) -> None:
    ctx.require_open_case()
    plan = await plans.get(ctx.tx, ctx.room_case.id)
    moment = moment or default_moment(ctx.room_case.status, plan)
    review_date = plan.review_date if moment == zrm.EVALUATION else None
    await zrm.record(ctx.tx, ctx.room_case.id, domain, score, moment, review_date, ctx.sender, ctx.now)
    await audit.append(ctx.tx, ctx.sender, "zrm.scored", case_id=ctx.room_case.id, purpose="plan", domain=domain,
                       moment=moment)
    ctx.reply("zrm.recorded", domain=domain, score=score, moment=moment, review_date=review_date,
              scores=await show_msg(ctx))


@command("zrm", "ssm", where=IN_CASE)
async def show(ctx: Context) -> None:
    ctx.intents.append(Reply(await show_msg(ctx)))
