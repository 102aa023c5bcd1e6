"""Season generator, calibration (calibrate=True): the drawn world nudged to hit KASN's published figures exactly.

A mixin of `generate_world.World` (module docstring of producers/generate.py, step 5): the same random
stream and the same `_sanction_for`, so a calibrated world is a drawn world with a few decrees moved.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from producers.generate_shape import (
    CLOSE_REASONS,
    NOT_PROVEN_DECISIONS,
    P_CLOSED,
    P_NEVER_SANCTIONED,
    P_REVOKED,
    REVOKE_REASONS,
    day_between,
    weighted,
)

if TYPE_CHECKING:  # pragma: no cover
    import random

    from producers.generate_records import Case, Rec


@dataclass
class Plan:
    """Calibration: a recommendation's planned sanction, before the sanction is drawn."""

    rec: Rec
    decree: date | None        # None: not yet placed (a recommendation given a sanction it did not have)
    revoke_after: int | None   # days from decree to revocation, if the sanction gets revoked
    revoked_on: date | None = None




class Calibration:
    """Calibration steps of World; uses its `rng`, `cases`, `recs`, `_decree_lag` and `_sanction_for`."""

    rng: random.Random
    cases: list[Case]
    recs: list[Rec]

    # -- calibration (calibrate=True only)

    def _calibrate_proven(self, target: int) -> None:
        """Flip single subjects' proof, chosen at random, until exactly `target` reported ASN are proven.

        A case losing its last proven subject gets a not-proven decision; a not-proven case gaining
        one becomes `proven`. Filing and decision dates stay. Needs 0 <= target <= reported ASN.
        """
        rng = self.rng
        have = sum(len(c.proven) for c in self.cases)
        if have > target:
            for case, asn in rng.sample([(c, a) for c in self.cases for a in c.proven], have - target):
                case.proven = [a for a in case.proven if a is not asn]
                if not case.proven:
                    case.decision = weighted(rng, NOT_PROVEN_DECISIONS)
        elif have < target:
            unproven = [(c, a) for c in self.cases for a in c.subjects if all(a is not p for p in c.proven)]
            for case, asn in rng.sample(unproven, target - have):
                case.proven = [a for a in case.subjects if a is asn or any(a is p for p in case.proven)]
                case.decision = "proven"

    def _follow_up_calibrated(self, p_without_ref: float, targets: Sequence[tuple[date, int]]) -> None:
        """`_follow_up` for all recommendations at once, with decree dates placed so that exactly the
        target number of recommendations is `sanctioned` (DESIGN.md §6) on each target day.
        """
        rng = self.rng
        plans: list[Plan] = []
        never: list[Rec] = []
        closed: list[Rec] = []
        for rec in self.recs:  # the same outcome shares as _follow_up
            r = rng.random()
            if r < P_CLOSED:
                rec.closed_on = rec.issued_on + timedelta(days=rng.randint(14, 240))
                rec.close_reason = weighted(rng, CLOSE_REASONS)
                closed.append(rec)
            elif r < P_CLOSED + P_NEVER_SANCTIONED:
                never.append(rec)
            else:
                decree = rec.issued_on + timedelta(days=self._decree_lag())
                plans.append(Plan(rec, decree, rng.randint(30, 400) if rng.random() < P_REVOKED else None))
        # if too few recommendations have a sanction, some get one: never-sanctioned first, then closed
        rng.shuffle(never)
        rng.shuffle(closed)
        days, wants = [d for d, _ in targets], [n for _, n in targets]
        if any(a >= b for a, b in zip(days, days[1:])) or any(a > b for a, b in zip(wants, wants[1:])):
            raise ValueError("calibration days must increase and sanctioned targets must not decrease")
        placed = (self._place_decrees(plans, never + closed, days, wants, postpone_revocations=False)
                  or self._place_decrees(plans, never + closed, days, wants, postpone_revocations=True))
        if placed is None:
            raise ValueError(f"cannot calibrate to {wants} sanctioned of {len(self.recs)} recommended")
        by_rec = {id(p.rec): p for p in placed}
        for rec in self.recs:
            plan = by_rec.get(id(rec))
            if plan is None:
                continue
            rec.closed_on = rec.close_reason = None  # a spare closed one that was given a sanction
            s = self._sanction_for(rec, plan.decree, p_without_ref)
            if plan.revoked_on is not None:
                s.revoked_on = plan.revoked_on
                s.revoke_reason = rng.choice(REVOKE_REASONS)

    def _place_decrees(self, plans: list[Plan], spare: list[Rec], days: list[date], wants: list[int], *,
                       postpone_revocations: bool) -> list[Plan] | None:
        """Decree dates such that exactly `wants[i]` recommendations are sanctioned on `days[i]`; None if
        impossible this way.

        Sanctions that get revoked keep their drawn dates and are counted (sanctioned from decree until
        revocation), unless `postpone_revocations`: then every revocation falls after the last day and
        is, up to then, like any other sanction. The other sanctions are ranked by planned decree date
        and the earliest fill the windows up to each day, so a decree moves only if it sits on the wrong
        side of a day; a moved decree gets a random date inside its new window (never before its letter).
        """
        rng, last = self.rng, days[-1]
        fixed = [] if postpone_revocations else [p for p in plans if p.revoke_after is not None]
        movable = [p for p in plans if postpone_revocations or p.revoke_after is None]
        for p in fixed:
            p.revoked_on = p.decree + timedelta(days=p.revoke_after)
        held = [sum(p.decree <= d < p.revoked_on for p in fixed) for d in days]
        need = [w - h for w, h in zip(wants, held)]  # movable sanctions decreed by each day
        if need[0] < 0 or any(a > b for a, b in zip(need, need[1:])) or need[-1] - len(movable) > len(spare):
            return None
        order = sorted(movable, key=lambda p: p.decree) + [
            Plan(rec, None, None) for rec in spare[:max(0, need[-1] - len(movable))]]
        out = list(fixed)
        for rank, p in enumerate(order):
            window = next((i for i, n in enumerate(need) if rank < n), len(days))
            after = days[window - 1] if window else None  # the window is (after, until]
            until = days[window] if window < len(days) else None
            decree = p.decree
            if decree is None or (after is not None and decree <= after) or (until is not None and decree > until):
                low = max(p.rec.issued_on, after + timedelta(days=1)) if after else p.rec.issued_on
                high = until or last + timedelta(days=365)
                if low > high:
                    return None
                decree = day_between(rng, low, high)
            revoked_on = None if p.revoke_after is None else max(decree, last) + timedelta(days=p.revoke_after)
            out.append(Plan(p.rec, decree, p.revoke_after, revoked_on))
        return out

