"""What a report shows of its figures once suppression has decided: each cell as a number, "<10" or "x"; shares,
lead times and ZRM means only where every count they rest on is shown (a share beside its numerator would give
the hidden denominator away); and the names of figures and categories in the reader's language."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from commands.report_desk import NO_THEME
from commands.report_tables import Figures
from commands.suppression import PRIMARY, protect
from core.config import Config
from core.render import catalogue
from core.vocabulary import CLOSE_REASONS, LIFE_DOMAINS, URGENCY

HIDDEN = "x"  # hidden so that a small count elsewhere cannot be recomputed
MONTH = re.compile(r"\.(\d{4}-\d{2})$")  # a breakdown of one month: `questions.org.2026-01`


@dataclass
class Shown:
    figures: Figures
    hidden: dict[str, str]
    threshold: int

    @classmethod
    def of(cls, figures: Figures, threshold: int) -> Shown:
        return cls(figures, protect(figures.values, figures.lines, threshold), threshold)

    @property
    def small(self) -> str:
        return f"<{self.threshold}"

    def visible(self, cell: str) -> bool:
        return cell not in self.hidden

    def cell(self, cell: str) -> int | str:
        if cell not in self.hidden:
            return self.figures.values[cell]
        return self.small if self.hidden[cell] == PRIMARY else HIDDEN

    def number(self, cell: str) -> int | None:
        return self.figures.values[cell] if self.visible(cell) else None

    def share(self, part: str, whole: str) -> float | None:
        """A percentage, only of shown counts."""
        if not (self.visible(part) and self.visible(whole)) or not self.figures.values[whole]:
            return None
        return round(100 * self.figures.values[part] / self.figures.values[whole], 1)

    def lead(self, name: str) -> tuple[float, float] | None:
        """(median, 90th percentile) in days, for a count that is shown."""
        lead = self.figures.lead_times[name]
        if not self.visible(lead.count) or lead.median is None or lead.p90 is None:
            return None
        return round(lead.median, 1), round(lead.p90, 1)

    def zrm(self, domain: str) -> tuple[float, float] | None:
        """(mean first score, mean last score), only where the domain's count and its changes are all shown: a mean
        beside a hidden change count could narrow it down."""
        found = self.figures.zrm[domain]
        breakdown = self.figures.breakdown(f"zrm.{domain}.change")
        cells = [found.count, *(cell for _, cell in breakdown.rows)] if breakdown else [found.count]
        n = self.figures.values[found.count]
        if not n or not all(self.visible(c) for c in cells):
            return None
        return round(found.first_sum / n, 2), round(found.last_sum / n, 2)


class Labels:
    """Names of figures and categories in one language, from the catalogue (report.*) and the vocabularies."""

    def __init__(self, lang: str, config: Config) -> None:
        self.lang = lang
        self.words = catalogue(lang)
        self.partners = {p.key: p.name for p in config.partners}
        self.types = dict(config.meetings.types)

    def text(self, key: str) -> str:
        return self.words[key]

    def figure(self, code: str) -> str:
        if code.startswith("referrals.month."):
            return f"{self.words['report.figure.referrals.month_outcome']} {self.month(code.rsplit('.', 1)[1])}"
        if month := MONTH.search(code):  # questions.org.<YYYY-MM>: the breakdown, in that month
            return f"{self.words[f'report.figure.{code[:month.start()]}']} {self.words['report.in_month']} " \
                   f"{self.month(month.group(1))}"
        if code.startswith("zrm.") and code.endswith(".change"):
            return f"{self.words['report.figure.zrm_change']} {self.domain(code.split('.')[1])}"
        return self.words.get(f"report.figure.{code}", code)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)

    def month(self, month: str) -> str:
        return format_date(date.fromisoformat(f"{month}-01"), "MMM y", locale=self.lang)

    def domain(self, key: str) -> str:
        return LIFE_DOMAINS.get(key, {}).get(self.lang, key)

    def category(self, code: str, key: str) -> str:
        code = MONTH.sub("", code) if not code.startswith("referrals.month.") else "referrals.outcome"
        kind = code.split(".")[-1]
        if code.startswith("zrm."):
            return self.words[f"report.change.{key}"]
        if code.startswith("arrangements."):
            return self.words[f"report.arrangement.{key}"]
        if kind == "theme" and key == NO_THEME:
            return self.words["report.no_theme"]
        if kind == "org":
            return self.partners.get(key) or self.words["report.other_org"]
        if kind == "urgency":
            return URGENCY.get(key, {}).get(self.lang, key)
        if kind == "outcome":
            return self.words.get(f"word.status.{key}", key)
        if kind == "month":
            return self.month(key)
        if kind == "domain":
            return self.domain(key)
        if kind == "reason":
            return CLOSE_REASONS.get(key, {}).get(self.lang, key)
        if kind == "type":
            return self.types.get(key, key)
        if kind == "state":
            return self.words[f"report.state.{key}"]
        if kind in ("complete", "again"):
            return self.words[f"report.yes_no.{key}"]
        if kind == "caseload":
            return f"{self.words['report.lead_person']} {key}"
        return key
