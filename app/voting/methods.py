"""Vote methods: a registry of small classes that read a ballot form and count ballots.

Each method turns a submitted form into ballot ``content`` (validated JSON,
option ids as strings) and counts a list of such contents into a result.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ServiceError
from app.voting.rules import RULES, Election
from app.voting.schulze import schulze_order

SCORE_RANGE = range(1, 6)
YES_NO = ("yes", "no", "abstain")


def _option_ids(round_) -> dict[str, Any]:
    return {str(o.id): o for o in round_.options}


def _ordered(round_, ids) -> list[str]:
    position = {str(o.id): (o.position, o.id) for o in round_.options}
    return sorted(ids, key=lambda i: position[i])


class Method:
    key = ""
    label = _l("")
    needs_budget = False
    needs_criteria = False
    has_seats = False
    min_options = 1
    split_by_option = False  # stored as a sheet and one row per option (services.ballot_rows)
    decides_by_quorum = False  # a quorum rule counts from the electorate frozen at opening (VoteRound.eligible_count)

    def check_setup(self, round_) -> None:
        """Refuse to schedule or open a round whose settings cannot work."""
        if len(round_.options) < self.min_options:
            raise ServiceError(_("선택지를 %(n)d개 이상 등록해 주세요.", n=self.min_options))

    def parse_form(self, round_, form, voter_id: int | None) -> dict:
        raise NotImplementedError

    def validate(self, round_, content: dict, voter_id: int | None) -> dict:
        """Check ``content`` (from a form, the API or a paper ballot) and return it normalised."""
        raise NotImplementedError

    def tally(self, round_, contents: list[dict], eligible: int | None) -> dict:
        raise NotImplementedError

    def describe(self, round_, content: dict) -> list[str]:
        """The ballot in words, for the receipt page."""
        raise NotImplementedError


class _Picks(Method):
    """Shared by approval and budget approval: a list of picked options."""

    def parse_form(self, round_, form, voter_id):
        return self.validate(round_, {"picks": form.getlist("pick")}, voter_id)

    def validate(self, round_, content, voter_id):
        options = _option_ids(round_)
        picks = [str(p) for p in content.get("picks", [])]
        if any(p not in options for p in picks):
            raise ServiceError(_("이 투표에 없는 선택지가 포함되어 있습니다. 페이지를 새로 고친 뒤 다시 투표해 주세요."))
        if len(set(picks)) != len(picks):
            raise ServiceError(_("같은 선택지를 두 번 고를 수 없습니다."))
        if round_.min_picks and len(picks) < round_.min_picks:
            raise ServiceError(_("최소 %(n)d개를 골라 주세요.", n=round_.min_picks))
        if round_.max_picks and len(picks) > round_.max_picks:
            raise ServiceError(_("최대 %(n)d개까지 고를 수 있습니다. 지금 %(m)d개를 골랐습니다.",
                                 n=round_.max_picks, m=len(picks)))
        if not picks and not round_.min_picks:
            raise ServiceError(_("하나 이상 골라 주세요."))
        return {"picks": _ordered(round_, picks)}

    def describe(self, round_, content):
        options = _option_ids(round_)
        return [options[p].title for p in content["picks"] if p in options]

    @staticmethod
    def counts(round_, contents) -> dict[str, int]:
        votes = Counter({str(o.id): 0 for o in round_.options})
        for content in contents:
            votes.update(content["picks"])
        return dict(votes)


class BudgetApproval(_Picks):
    """Pick projects whose total cost fits the budget; counted by a tally rule (greedy, mes, mes-greedy)."""

    key = "budget_approval"
    label = _l("예산 내 사업 선택")
    needs_budget = True

    def check_setup(self, round_):
        super().check_setup(round_)
        if not round_.budget or round_.budget <= 0:
            raise ServiceError(_("예산을 정해 주세요."))
        if round_.tally_rule not in RULES:
            raise ServiceError(_("집계 규칙을 골라 주세요."))

    def validate(self, round_, content, voter_id):
        content = super().validate(round_, content, voter_id)
        options = _option_ids(round_)
        total = sum(options[p].cost for p in content["picks"])
        if total > round_.budget:
            raise ServiceError(_("고른 사업의 합계 %(total)s원이 예산 %(budget)s원을 넘습니다.",
                                 total=f"{total:,}", budget=f"{round_.budget:,}"))
        return content

    def election(self, round_, contents) -> Election:
        keys = {str(o.id): o.key for o in round_.options}
        return Election(
            budget=round_.budget,
            projects={o.key: o.cost for o in round_.options},
            ballots=tuple(frozenset(keys[p] for p in c["picks"]) for c in contents),
            vote_type="approval",
        )

    def tally(self, round_, contents, eligible):
        rule = RULES[round_.tally_rule]
        by_key = {o.key: o for o in round_.options}
        selected_keys = rule.select(self.election(round_, contents).collapsed())
        selected = [str(by_key[k].id) for k in selected_keys]
        return {
            "selected": selected,
            "votes": self.counts(round_, contents),
            "budget": round_.budget,
            "budget_used": sum(by_key[k].cost for k in selected_keys),
        }


class Approval(_Picks):
    """Pick up to k options; the most approved win."""

    key = "approval"
    label = _l("찬성 투표(최대 k개 선택)")
    has_seats = True

    def tally(self, round_, contents, eligible):
        votes = self.counts(round_, contents)
        position = {str(o.id): (o.position, o.id) for o in round_.options}
        ranking = sorted(votes, key=lambda i: (-votes[i], position[i]))
        seats = round_.seats or 1
        return {"votes": votes, "ranking": ranking, "selected": ranking[:seats],
                "tie_at_cutoff": len(ranking) > seats and votes[ranking[seats - 1]] == votes[ranking[seats]]}


class Score(Method):
    """Score each option 1–5 on weighted criteria; members recuse themselves from options they proposed."""

    key = "score"
    label = _l("심사 점수(기준별 1~5점)")
    needs_criteria = True
    has_seats = True
    split_by_option = True  # a recused member's ballot must not be the one without an option

    def check_setup(self, round_):
        super().check_setup(round_)
        if not round_.criteria:
            raise ServiceError(_("심사 기준을 하나 이상 등록해 주세요."))

    def recused(self, round_, voter_id) -> set[str]:
        from app.voting.services import recused_option_ids

        return recused_option_ids(round_, voter_id) if voter_id else set()

    def parse_form(self, round_, form, voter_id):
        recused = self.recused(round_, voter_id)
        scores = {}
        for option in round_.options:
            row = {str(c.id): form.get(f"score-{option.id}-{c.id}", "") for c in round_.criteria}
            if str(option.id) in recused and not any(row.values()):
                continue  # the form shows no fields for a recused option
            scores[str(option.id)] = row
        return self.validate(round_, {"scores": scores}, voter_id)

    def validate(self, round_, content, voter_id):
        options = _option_ids(round_)
        criteria = [str(c.id) for c in round_.criteria]  # in the round's order, as the receipt lists them
        recused = self.recused(round_, voter_id)
        scores = content.get("scores", {})
        if any(o not in options for o in scores):
            raise ServiceError(_("이 투표에 없는 선택지가 포함되어 있습니다. 페이지를 새로 고친 뒤 다시 투표해 주세요."))
        if recused & set(scores):
            raise ServiceError(_("회피 대상인 사업에는 점수를 줄 수 없습니다."))
        clean = {}
        for option_id in options:
            if option_id in recused:
                continue
            given = scores.get(option_id) or {}
            row = {}
            for criterion in criteria:
                try:
                    value = int(given.get(criterion, ""))
                except (TypeError, ValueError):
                    raise ServiceError(_("「%(title)s」의 모든 기준에 1~5점을 매겨 주세요.", title=options[option_id].title))
                if value not in SCORE_RANGE:
                    raise ServiceError(_("점수는 1점부터 5점까지입니다."))
                row[criterion] = value
            clean[option_id] = row
        return {"scores": clean}

    def describe(self, round_, content):
        options = _option_ids(round_)
        return [f"{options[o].title}: " + ", ".join(f"{c.name} {row[str(c.id)]}" for c in round_.criteria
                                                    if str(c.id) in row)
                for o, row in content["scores"].items() if o in options]

    def tally(self, round_, contents, eligible):
        weights = {str(c.id): c.weight for c in round_.criteria}
        total_weight = sum(weights.values())
        sums: dict[str, dict[str, int]] = {str(o.id): {c: 0 for c in weights} for o in round_.options}
        counts = Counter({str(o.id): 0 for o in round_.options})
        for content in contents:
            for option_id, row in content["scores"].items():
                counts[option_id] += 1
                for criterion, value in row.items():
                    sums[option_id][criterion] += value
        weighted: dict[str, Fraction] = {}
        for option_id, row in sums.items():
            n = counts[option_id]
            weighted[option_id] = (Fraction(sum(weights[c] * row[c] for c in row), n * total_weight)
                                   if n else Fraction(0))
        position = {str(o.id): (o.position, o.id) for o in round_.options}
        ranking = sorted(weighted, key=lambda o: (-weighted[o], position[o]))
        seats = round_.seats or len(ranking)
        return {
            "scores": {o: f"{float(weighted[o]):.2f}" for o in ranking},
            "criterion_means": {o: {c: (f"{sums[o][c] / counts[o]:.2f}" if counts[o] else "—") for c in weights}
                                for o in ranking},
            "scorers": dict(counts),
            "ranking": ranking,
            "selected": ranking[:seats],
        }


@dataclass(frozen=True)
class Decision:
    """One motion's outcome under a decision rule, with the numbers it rests on."""

    rule: "DecisionRule"
    eligible: int | None  # 재적: the electorate frozen when the round opened (None: unknown)
    cast: int  # 출석(투표): ballots counted
    yes: int
    quorum: int | None  # ballots needed for the vote to count (None: no base to reckon it from)
    quorum_met: bool
    needed: int  # yes votes needed among those cast
    passed: bool

    @property
    def base_known(self) -> bool:
        """Whether there is an electorate to count a quorum from (unknown or empty: none)."""
        return self.eligible is not None and self.eligible > 0

    @property
    def reason(self) -> str:
        """Why it passed or failed, in a plain sentence."""
        return self.rule.explain(self)


class DecisionRule:
    """A yes/no decision rule: how many must take part (의사정족수) and how many must agree (의결정족수).

    A rule counts from the round's electorate frozen when it opened; without one (unknown, or no one
    in it) no motion passes: a missing base never counts as a quorum met.
    """

    key = ""
    label = _l("")

    def quorum(self, eligible: int) -> int:
        """Ballots needed, out of ``eligible``, for the vote to count."""
        raise NotImplementedError

    def needed(self, cast: int) -> int:
        """Yes votes needed, out of ``cast``, to pass."""
        raise NotImplementedError

    def decide(self, eligible: int | None, cast: int, yes: int) -> Decision:
        base_known = eligible is not None and eligible > 0
        quorum = self.quorum(eligible) if base_known else None
        quorum_met = base_known and cast >= quorum
        needed = self.needed(cast)
        return Decision(self, eligible, cast, yes, quorum, quorum_met, needed,
                        passed=quorum_met and cast > 0 and yes >= needed)

    def explain(self, decision: Decision) -> str:
        raise NotImplementedError


class MajorityOfMembers(DecisionRule):
    """재적 과반 출석, 출석 과반 찬성: more than half the electorate vote, more than half of them yes."""

    key = "majority"
    label = _l("재적 과반 출석, 출석 과반 찬성")

    def quorum(self, eligible):
        return eligible // 2 + 1

    def needed(self, cast):
        return cast // 2 + 1

    def explain(self, d):
        if d.eligible is None:
            return _("재적 인원이 투표 시작 때 정해지지 않아 의결정족수를 확인할 수 없으므로 가결되지 않았습니다.")
        if not d.base_known:
            return _("재적 인원이 0명이어서 의결정족수를 정할 수 없으므로 가결되지 않았습니다.")
        if not d.quorum_met:
            return _("재적 %(eligible)d명의 과반인 %(quorum)d명 이상이 투표해야 하는데 %(cast)d명만 투표해 "
                     "의결정족수에 미달했으므로 부결되었습니다.", eligible=d.eligible, quorum=d.quorum, cast=d.cast)
        if d.passed:
            return _("재적 %(eligible)d명 중 %(cast)d명이 투표해 의결정족수(%(quorum)d명)를 채웠고, 찬성 %(yes)d표가 "
                     "투표한 %(cast)d명의 과반(%(needed)d표 이상)이어서 가결되었습니다.",
                     eligible=d.eligible, cast=d.cast, quorum=d.quorum, yes=d.yes, needed=d.needed)
        return _("재적 %(eligible)d명 중 %(cast)d명이 투표해 의결정족수(%(quorum)d명)는 채웠으나, 찬성 %(yes)d표가 "
                 "투표한 %(cast)d명의 과반(%(needed)d표 이상)에 이르지 못해 부결되었습니다.",
                 eligible=d.eligible, cast=d.cast, quorum=d.quorum, yes=d.yes, needed=d.needed)


DECISION_RULES: dict[str, DecisionRule] = {r.key: r for r in (MajorityOfMembers(),)}
DEFAULT_DECISION_RULE = "majority"


class YesNo(Method):
    """Yes / no / abstain on each motion, decided by a rule (재적 과반 출석, 출석 과반 찬성 by default)."""

    key = "yes_no"
    label = _l("찬반 표결(재적 과반 출석, 출석 과반 찬성)")
    decides_by_quorum = True

    def parse_form(self, round_, form, voter_id):
        return self.validate(round_, {"votes": {str(o.id): form.get(f"vote-{o.id}", "") for o in round_.options}},
                             voter_id)

    def validate(self, round_, content, voter_id):
        options = _option_ids(round_)
        votes = content.get("votes", {})
        if any(o not in options for o in votes):
            raise ServiceError(_("이 투표에 없는 선택지가 포함되어 있습니다. 페이지를 새로 고친 뒤 다시 투표해 주세요."))
        for option_id, option in options.items():
            if votes.get(option_id) not in YES_NO:
                raise ServiceError(_("「%(title)s」에 찬성, 반대, 기권 중 하나를 골라 주세요.", title=option.title))
        return {"votes": {o: votes[o] for o in options}}

    def describe(self, round_, content):
        options = _option_ids(round_)
        words = {"yes": _("찬성"), "no": _("반대"), "abstain": _("기권")}
        return [f"{options[o].title}: {words[v]}" for o, v in content["votes"].items() if o in options]

    def tally(self, round_, contents, eligible):
        rule = DECISION_RULES[DEFAULT_DECISION_RULE]
        cast = len(contents)
        result = {}
        decision = rule.decide(eligible, cast, 0)
        for option in round_.options:
            key = str(option.id)
            counts = Counter(c["votes"][key] for c in contents)
            decision = rule.decide(eligible, cast, counts["yes"])
            result[key] = {"yes": counts["yes"], "no": counts["no"], "abstain": counts["abstain"],
                           "passed": decision.passed}
        return {"motions": result, "cast": cast, "eligible": eligible, "rule": rule.key,
                "quorum": decision.quorum, "quorum_met": decision.quorum_met,
                "selected": [k for k, v in result.items() if v["passed"]]}

    @staticmethod
    def decision(data: dict, option_id: str) -> Decision:
        """A counted motion's outcome, worked out again from the numbers the result keeps (so a result
        stored without a base reads as not passed, whatever it once said)."""
        rule = DECISION_RULES.get(data.get("rule") or DEFAULT_DECISION_RULE, DECISION_RULES[DEFAULT_DECISION_RULE])
        return rule.decide(data.get("eligible"), data.get("cast", 0), data["motions"][option_id]["yes"])


class Ranked(Method):
    """Rank the options (ties allowed); counted with the Schulze method."""

    key = "ranked"
    label = _l("순위 투표(슐체 방식)")
    has_seats = True
    min_options = 2

    def parse_form(self, round_, form, voter_id):
        return self.validate(round_, {"ranks": {str(o.id): form.get(f"rank-{o.id}", "") for o in round_.options}},
                             voter_id)

    def validate(self, round_, content, voter_id):
        options = _option_ids(round_)
        ranks = {}
        for option_id, value in (content.get("ranks") or {}).items():
            if option_id not in options:
                raise ServiceError(_("이 투표에 없는 선택지가 포함되어 있습니다. 페이지를 새로 고친 뒤 다시 투표해 주세요."))
            if value in ("", None):
                continue  # unranked: below every ranked option
            try:
                rank = int(value)
            except (TypeError, ValueError):
                raise ServiceError(_("순위는 숫자로 적어 주세요."))
            if not 1 <= rank <= len(options):
                raise ServiceError(_("순위는 1부터 %(n)d까지입니다.", n=len(options)))
            ranks[option_id] = rank
        if not ranks:
            raise ServiceError(_("하나 이상에 순위를 매겨 주세요."))
        return {"ranks": ranks}

    def describe(self, round_, content):
        options = _option_ids(round_)
        ordered = sorted(content["ranks"].items(), key=lambda kv: kv[1])
        return [f"{rank}. {options[o].title}" for o, rank in ordered if o in options]

    def tally(self, round_, contents, eligible):
        candidates = [str(o.id) for o in round_.options]
        grouped = Counter(tuple(sorted(c["ranks"].items())) for c in contents)
        levels = schulze_order([(dict(k), n) for k, n in grouped.items()], candidates)
        seats = round_.seats or 1
        ranking = [c for level in levels for c in level]
        return {"levels": levels, "ranking": ranking, "selected": ranking[:seats],
                "first_preferences": dict(Counter(min(c["ranks"], key=c["ranks"].get) for c in contents))}


METHODS: dict[str, Method] = {m.key: m for m in (BudgetApproval(), Approval(), Score(), YesNo(), Ranked())}
