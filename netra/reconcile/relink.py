"""The link step of `netra reconcile`: the ladder of netra.reconcile.rules over core, in full or only where its
outcome can have changed (issue 11). The rules stay in rules.py; this module only chooses what they see.

**Full** (the first run, `--full`, or links made with other link settings or another version of the rules):
every recommendation and sanction, read without names and agencies, through `rules.first_steps` (reference,
eligibility, nip); then what they left, with names and agencies read for those only, through
`rules.fuzzy_step`. Together that is `rules.reconcile_links`. core.links, core.review_queue, core.out_of_scope,
core.reference_keys and core.fuzzy_pool are replaced with COPY.

**Incremental**: the ladder is re-run only where a change can alter its outcome, and the result is the one a
full run gives (tests/unit/test_relink.py compares them on random cores, tests/integration/test_reconcile_
incremental.py the published marts):

1. Steps 1-2 decide a recommendation's fate from the sanctions and recommendations it shares a NIP or a
   normalised reference with, and theirs, transitively (rules.first_steps says so). The changed ones
   (`Changes`: inserted, or with another NIP, reference, date, name, agency or reason) are looked up by their
   new *and* old NIP and reference, then everything sharing a key with what was found, until nothing new
   turns up: the *group* (`group`). It runs through `rules.first_steps`; outside it the previous reference
   and nip links and out-of-scope verdicts stand, since nothing they depend on changed.
2. Step 3 decides a leftover's fate from the leftovers it can be paired with (a candidate pair: score at
   least FUZZY_REVIEW), transitively (rules.fuzzy_step says so). core.fuzzy_pool holds every leftover with a
   name, with its place and 18-digit NIP. The group's leftovers, and the group's members as they were when
   they were leftovers before, are the seeds; pool members that could pair with a seed are found in SQL by a
   superset of the fuzzy step's blocking (the same place or one unknown, and a NIP at most four digits off,
   which means one of five NIP segments equal, or no NIP on one side), scored with `rules.fuzzy_score`, and
   the pairs that reach the review band added, until nothing new turns up: the *component* (`component`).
   It runs through `rules.fuzzy_step`; outside it the previous fuzzy links and review pairs stand.

Reads go through `Store` (SQL in netra/warehouse/statements/reconcile/link_*.sql and fuzzy_*.sql); the tests
use an in-memory one. `apply` says what the writes do.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Protocol

from netra.reconcile import fuzzy, rules
from netra.reconcile.sharing import FETCH_ROWS, Sharing, no_cyclic_gc
from netra.warehouse.sql import statement

#: Rows per COPY chunk (one StringIO each): bounds the text held in memory at once.
COPY_CHUNK = 100_000
REC, SAN = "recommendation", "sanction"


def link_settings(window_days: int, neutrality: str) -> str:
    """What links depend on besides core: the two link settings and the code of the rules and of this step.

    Stored with a published run (core.reconcile_state.link_settings); an incremental run keeps core.links only
    when it is the same, so a changed NETRA_LINK_WINDOW_DAYS / NETRA_NEUTRALITY_REASON or a release that
    changes the ladder (its modules' source) re-links everything once.
    """
    from netra.contracts import vocabulary
    from netra.reconcile import fuzzy
    from netra.reference import agencies

    digest = hashlib.sha256()
    for module in (rules, fuzzy, agencies, vocabulary):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return json.dumps({"window_days": window_days, "neutrality": neutrality, "rules": digest.hexdigest()[:16]},
                      sort_keys=True)


# ---------------------------------------------------------------- the incremental plan (pure)


@dataclass(frozen=True)
class Changes:
    """What an incremental run changed, as the link step sees it: the new inputs and the old ones (None: new)."""

    recommendations: list[tuple[rules.Recommendation, rules.Recommendation | None]]
    sanctions: list[tuple[rules.Sanction, rules.Sanction | None]]


class PoolKey(NamedTuple):
    """A fuzzy-pool member's blocking keys (core.fuzzy_pool): its side, id, place and 18-digit NIP."""

    side: str
    id: str
    place: str | None
    nip: str | None


@lru_cache(maxsize=65_536)
def _place(agency: str | None) -> str | None:
    normalised = rules.normalise_agency(agency)
    return normalised[1] if normalised else None


def pool_key(node: rules.Recommendation | rules.Sanction) -> PoolKey | None:
    """The pool row of a leftover, or None when it has no name (the fuzzy step never pairs it)."""
    if rules.normalise_name(node.name) is None:
        return None
    if isinstance(node, rules.Recommendation):
        return PoolKey(REC, node.recommendation_id, _place(node.agency), rules.normalise_nip(node.nip)[0])
    return PoolKey(SAN, node.sanction_id, _place(node.agency), rules.normalise_nip(node.nip)[0])


def _pool_keys(recs: Iterable[rules.Recommendation], sans: Iterable[rules.Sanction]) -> list[PoolKey]:
    keys = [pool_key(r) for r in recs] + [pool_key(s) for s in sans]
    return [key for key in keys if key is not None]


class Store(Protocol):
    """Where the incremental plan reads core (`SqlStore`, or the tests' own)."""

    def by_keys(self, nips: set[str], refs: set[str]) -> tuple[list[rules.Recommendation], list[rules.Sanction]]:
        """Recommendations with a NIP in `nips` or whose normalised id is in `refs`; sanctions with a NIP in
        `nips` or naming (normalised) a reference in `refs`.
        """

    def replace_pool(self, recommendations: set[str], sanctions: set[str],
                     members: list[PoolKey]) -> tuple[set[str], set[str]]:
        """Take the given ids out of the fuzzy pool and put `members` in; return which of the ids were in it."""

    def candidates(self, frontier: list[PoolKey]) -> tuple[set[str], set[str]]:
        """Ids of the pool's recommendations and sanctions that the blocking lets through for some member of
        `frontier` (on its other side): a superset of those that can pair with one.
        """

    def inputs(self, recommendations: set[str], sanctions: set[str]) -> tuple[list[rules.Recommendation],
                                                                           list[rules.Sanction]]:
        """The link inputs of these ids."""


@dataclass
class Plan:
    """The new verdicts of an incremental run: steps 1-2 for the group, step 3 for the component."""

    group_recommendations: set[str]
    group_sanctions: set[str]
    first: rules.FirstSteps  # the group's reference and nip links and out-of-scope sanctions
    component_recommendations: set[str]
    component_sanctions: set[str]
    fuzzy_links: dict[str, rules.Link]  # the component's
    review: list[rules.ReviewItem]
    group_inputs: tuple[list[rules.Recommendation], list[rules.Sanction]]


def _keys_of_rec(r: rules.Recommendation, nips: set[str], refs: set[str]) -> None:
    if r.nip:
        nips.add(r.nip)
    key = rules.normalise_reference(r.recommendation_id)
    if key is not None:
        refs.add(key)


def _keys_of_sanction(s: rules.Sanction, nips: set[str], refs: set[str]) -> None:
    if s.nip:
        nips.add(s.nip)
    key = rules.normalise_reference(s.recommendation_ref)
    if key is not None:
        refs.add(key)


def group(store: Store, changes: Changes) -> tuple[dict[str, rules.Recommendation], dict[str, rules.Sanction]]:
    """The changed recommendations and sanctions and everything that shares a NIP or normalised reference with
    them (old keys too: where a changed one was before), transitively.
    """
    recs: dict[str, rules.Recommendation] = {}
    sans: dict[str, rules.Sanction] = {}
    nips: set[str] = set()
    refs: set[str] = set()
    for r, old_r in changes.recommendations:
        recs[r.recommendation_id] = r
        for version in (r, old_r):
            if version is not None:
                _keys_of_rec(version, nips, refs)
    for s, old_s in changes.sanctions:
        sans[s.sanction_id] = s
        for version_s in (s, old_s):
            if version_s is not None:
                _keys_of_sanction(version_s, nips, refs)
    asked_nips: set[str] = set()
    asked_refs: set[str] = set()
    while nips - asked_nips or refs - asked_refs:
        ask_nips, ask_refs = nips - asked_nips, refs - asked_refs
        asked_nips |= ask_nips
        asked_refs |= ask_refs
        found_recs, found_sans = store.by_keys(ask_nips, ask_refs)
        for r in found_recs:
            if r.recommendation_id not in recs:
                recs[r.recommendation_id] = r
                _keys_of_rec(r, nips, refs)
        for s in found_sans:
            if s.sanction_id not in sans:
                sans[s.sanction_id] = s
                _keys_of_sanction(s, nips, refs)
    return recs, sans


def component(store: Store, seeds: list, window_days: int) -> tuple[dict[str, rules.Recommendation],
                                                                   dict[str, rules.Sanction]]:
    """The pool members a seed can be paired with, transitively.

    Each round asks the store for the pool members the blocking lets through for the round's frontier, and
    lets the fuzzy step's own candidate search (`rules._fuzzy_candidates`: every pair that can reach the
    review band, scored) say which of them pair with it; those are the next frontier.
    """
    recs: dict[str, rules.Recommendation] = {}
    sans: dict[str, rules.Sanction] = {}
    front_recs = [n for n in seeds if isinstance(n, rules.Recommendation) and pool_key(n) is not None]
    front_sans = [n for n in seeds if isinstance(n, rules.Sanction) and pool_key(n) is not None]
    while front_recs or front_sans:
        keys = _pool_keys(front_recs, front_sans)
        want_recs, want_sans = store.candidates(keys)
        found_recs, found_sans = store.inputs(want_recs - recs.keys(), want_sans - sans.keys())
        pairs = (rules._fuzzy_candidates(front_recs, found_sans, window_days)
                 + rules._fuzzy_candidates(found_recs, front_sans, window_days))
        new_recs = {r.recommendation_id: r for _, _, r, _ in pairs if r.recommendation_id not in recs
                    and r.recommendation_id in want_recs}
        new_sans = {s.sanction_id: s for _, _, _, s in pairs if s.sanction_id not in sans
                    and s.sanction_id in want_sans}
        recs.update(new_recs)
        sans.update(new_sans)
        front_recs, front_sans = list(new_recs.values()), list(new_sans.values())
    return recs, sans


def plan(store: Store, changes: Changes, *, window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
         neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> Plan:
    """Steps 1-2 over the changes' group, step 3 over the component of what changed among the leftovers (the
    module docstring says why that is the full run's result). Updates the fuzzy pool through `store`.
    """
    recs, sans = group(store, changes)
    first = rules.first_steps(recs.values(), sans.values(), window_days=window_days, neutrality=neutrality)
    left_recs, left_sans = rules.leftovers(recs.values(), sans.values(), first)
    members = _pool_keys(left_recs, left_sans)
    was_recs, was_sans = store.replace_pool(set(recs), set(sans), members)
    old_recs = {r.recommendation_id: old for r, old in changes.recommendations if old is not None}
    old_sans = {s.sanction_id: old for s, old in changes.sanctions if old is not None}
    # the group's leftovers as they are now, and its members as they were when they were leftovers before
    seeds: list = [*left_recs, *left_sans]
    seeds += [old_recs.get(rid, recs[rid]) for rid in sorted(was_recs)]
    seeds += [old_sans.get(sid, sans[sid]) for sid in sorted(was_sans)]
    comp_recs, comp_sans = component(store, seeds, window_days)
    comp_recs.update({r.recommendation_id: r for r in left_recs})
    comp_sans.update({s.sanction_id: s for s in left_sans})
    fuzzy_links, review = rules.fuzzy_step(comp_recs.values(), comp_sans.values(), window_days=window_days)
    return Plan(set(recs), set(sans), first, set(comp_recs), set(comp_sans), fuzzy_links, review,
                (list(recs.values()), list(sans.values())))


def apply(links: dict[str, rules.Link], review: Iterable[rules.ReviewItem], out_of_scope: Iterable[str],
          p: Plan) -> tuple[dict[str, rules.Link], list[rules.ReviewItem], list[str]]:
    """The verdicts after an incremental run, from the previous ones and its plan: what
    reconcile/unlink_group.sql and the COPYs after it do in core.

    Links and review pairs touching the group or the component go (a previous reference or nip link touching
    the group has both sides in it, a previous fuzzy link or review pair touching the component too); the
    plan's come in; the group's out-of-scope verdicts are the plan's.
    """
    touched_recs = p.group_recommendations | p.component_recommendations
    touched_sans = p.group_sanctions | p.component_sanctions
    kept = {rid: ln for rid, ln in links.items() if rid not in touched_recs and ln.sanction_id not in touched_sans}
    kept_review = [i for i in review if i.recommendation_id not in touched_recs and i.sanction_id not in touched_sans]
    scope = sorted({sid for sid in out_of_scope if sid not in p.group_sanctions} | set(p.first.out_of_scope))
    return kept | p.first.links | p.fuzzy_links, kept_review + list(p.review), scope


def reference_keys(recommendations: Iterable[rules.Recommendation],
                   sanctions: Iterable[rules.Sanction]) -> Iterator[tuple[str, str, str]]:
    """(side, id, normalised reference) wherever the normalised form differs from the text (core.reference_keys)."""
    for r in recommendations:
        key = rules.normalise_reference(r.recommendation_id)
        if key is not None and key != r.recommendation_id:
            yield (REC, r.recommendation_id, key)
    for s in sanctions:
        key = rules.normalise_reference(s.recommendation_ref)
        if key is not None and key != s.recommendation_ref:
            yield (SAN, s.sanction_id, key)


# ---------------------------------------------------------------- Postgres


def _copy(cur, copy_sql: str, rows: Iterable[tuple]) -> int:
    """COPY `rows` with `copy_sql` (a `COPY ... FROM STDIN WITH (FORMAT csv)` statement), in chunks; the row
    count.
    """
    count = 0
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending == COPY_CHUNK:
            buf.seek(0)
            cur.copy_expert(copy_sql, buf)
            count += pending
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            pending = 0
    if pending:
        buf.seek(0)
        cur.copy_expert(copy_sql, buf)
        count += pending
    return count


def _link_rows(links: Iterable[rules.Link]) -> Iterator[tuple]:
    for ln in links:
        yield (ln.recommendation_id, ln.sanction_id, ln.method, f"{ln.score:.3f}")


def _review_rows(review: Iterable[rules.ReviewItem]) -> Iterator[tuple]:
    for r in review:
        yield (r.recommendation_id, r.sanction_id, f"{r.score:.3f}", "{" + ",".join(r.reasons) + "}")


def _pool_rows(keys: Iterable[PoolKey]) -> Iterator[tuple]:
    for k in keys:
        yield (k.side, k.id, "" if k.place is None else k.place, "" if k.nip is None else k.nip)


class SqlStore:
    """`Store` on the reconcile's cursor (its transaction): the link_* and fuzzy_* statements."""

    def __init__(self, cur):
        self.cur = cur

    def by_keys(self, nips: set[str], refs: set[str]) -> tuple[list[rules.Recommendation], list[rules.Sanction]]:
        """See `Store.by_keys` (reconcile/link_by_keys_*.sql)."""
        params = {"nips": sorted(nips), "refs": sorted(refs)}
        self.cur.execute(statement("reconcile/link_by_keys_recommendations"), params)
        recs = [rules.Recommendation(*row) for row in self.cur.fetchall()]
        self.cur.execute(statement("reconcile/link_by_keys_sanctions"), params)
        sans = [rules.Sanction(*row) for row in self.cur.fetchall()]
        return recs, sans

    def replace_pool(self, recommendations: set[str], sanctions: set[str],
                     members: list[PoolKey]) -> tuple[set[str], set[str]]:
        """See `Store.replace_pool` (the group's ids into link_group_*, then reconcile/fuzzy_pool_replace.sql)."""
        _copy(self.cur, statement("reconcile/copy_group_recommendations"), ((i,) for i in sorted(recommendations)))
        _copy(self.cur, statement("reconcile/copy_group_sanctions"), ((i,) for i in sorted(sanctions)))
        self.cur.execute(statement("reconcile/fuzzy_pool_replace"))
        was: dict[str, set[str]] = {REC: set(), SAN: set()}
        for side, ident in self.cur.fetchall():
            was[side].add(ident)
        _copy(self.cur, statement("reconcile/copy_fuzzy_pool"), _pool_rows(members))
        return was[REC], was[SAN]

    def candidates(self, frontier: list[PoolKey]) -> tuple[set[str], set[str]]:
        """See `Store.candidates` (reconcile/fuzzy_candidates.sql)."""
        self.cur.execute(statement("reconcile/fuzzy_candidates"), {
            "others": [SAN if k.side == REC else REC for k in frontier], "places": [k.place for k in frontier],
            "nips": [k.nip for k in frontier]})
        found: dict[str, set[str]] = {REC: set(), SAN: set()}
        for side, ident in self.cur.fetchall():
            found[side].add(ident)
        return found[REC], found[SAN]

    def inputs(self, recommendations: set[str], sanctions: set[str]) -> tuple[list[rules.Recommendation],
                                                                           list[rules.Sanction]]:
        """See `Store.inputs` (reconcile/link_inputs_*.sql)."""
        recs: list[rules.Recommendation] = []
        sans: list[rules.Sanction] = []
        if recommendations:
            self.cur.execute(statement("reconcile/link_inputs_recommendations"), {"ids": sorted(recommendations)})
            recs = [rules.Recommendation(*row) for row in self.cur.fetchall()]
        if sanctions:
            self.cur.execute(statement("reconcile/link_inputs_sanctions"), {"ids": sorted(sanctions)})
            sans = [rules.Sanction(*row) for row in self.cur.fetchall()]
        return recs, sans


@dataclass(frozen=True)
class LinkStep:
    """What the link step did, for the run's output line and the marts."""

    full: bool
    links: int
    review: int
    out_of_scope: int
    group: tuple[int, int] = (0, 0)  # recommendations and sanctions whose steps 1-2 were re-run (incremental)
    component: tuple[int, int] = (0, 0)  # leftovers the fuzzy step was re-run for (incremental)


def changes(cur) -> Changes:
    """The seeds of an incremental run (reconcile/link_changes_*.sql, after build_core.sql)."""
    cur.execute(statement("reconcile/link_changes_recommendations"))
    recs = [(rules.Recommendation(*row[:5]), rules.Recommendation(*row[5:]) if row[5] is not None else None)
            for row in cur.fetchall()]
    cur.execute(statement("reconcile/link_changes_sanctions"))
    sans = [(rules.Sanction(*row[:7]), rules.Sanction(*row[7:]) if row[7] is not None else None)
            for row in cur.fetchall()]
    return Changes(recs, sans)


def relink(conn, cur, *, full: bool, window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
           neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> LinkStep:
    """Run the link step in the reconcile's transaction; an incremental run leaves the temp table `relinked`
    (recommendations whose link changed) for the marts.
    """
    cur.execute(statement("reconcile/link_sets"))
    try:
        if full:
            return _full(conn, cur, window_days=window_days, neutrality=neutrality)
        return _incremental(conn, cur, window_days=window_days, neutrality=neutrality)
    finally:
        # the fuzzy step's prepared sides (up to 262k, ~0.1 GB at 1M) are of use within one step only; the
        # marts and the audit that follow need the memory
        fuzzy.forget_prepared()
        _place.cache_clear()


def _incremental(conn, cur, *, window_days: int, neutrality: str) -> LinkStep:
    p = plan(SqlStore(cur), changes(cur), window_days=window_days, neutrality=neutrality)
    _copy(cur, statement("reconcile/copy_touched_recommendations"),
          ((i,) for i in sorted(p.group_recommendations | p.component_recommendations)))
    _copy(cur, statement("reconcile/copy_touched_sanctions"),
          ((i,) for i in sorted(p.group_sanctions | p.component_sanctions)))
    cur.execute(statement("reconcile/unlink_group"))
    _copy(cur, statement("reconcile/copy_links"), _link_rows([*p.first.links.values(), *p.fuzzy_links.values()]))
    _copy(cur, statement("reconcile/copy_review_queue"), _review_rows(p.review))
    _copy(cur, statement("reconcile/copy_out_of_scope"), ((sid,) for sid in p.first.out_of_scope))
    _copy(cur, statement("reconcile/copy_reference_keys"), reference_keys(*p.group_inputs))
    cur.execute(statement("reconcile/relinked"))
    return LinkStep(False, *_counts(cur), group=(len(p.group_recommendations), len(p.group_sanctions)),
                    component=(len(p.component_recommendations), len(p.component_sanctions)))


def _counts(cur) -> tuple[int, int, int]:
    cur.execute(statement("reconcile/count_links"))
    links, review, out_of_scope = cur.fetchone()
    return links, review, out_of_scope


def _stream(conn, query: str, make) -> list:
    """Every row of `query`, made into objects as they arrive (a server-side cursor, FETCH_ROWS at a time), so
    the rows are never all held twice; dates and repeated texts (reasons) one object per value (sharing.py),
    with no cyclic GC walking the growing list meanwhile (the reading makes no cycles).
    """
    out: list = []
    with no_cyclic_gc(), conn.cursor(name="netra_link_inputs") as cur:
        cur.itersize = FETCH_ROWS
        cur.execute(query)
        sharing = None
        while chunk := cur.fetchmany(FETCH_ROWS):
            sharing = sharing or Sharing(len(chunk[0]))
            out.extend(map(make, *sharing.columns(chunk)))
    return out


def _full(conn, cur, *, window_days: int, neutrality: str) -> LinkStep:
    recs = _stream(conn, statement("reconcile/link_recommendation_keys"), rules.Recommendation)
    sans = _stream(conn, statement("reconcile/link_sanction_keys"), rules.Sanction)
    first = rules.first_steps(recs, sans, window_days=window_days, neutrality=neutrality)
    cur.execute(statement("reconcile/reset_links"))
    _copy(cur, statement("reconcile/copy_reference_keys"), reference_keys(recs, sans))
    _copy(cur, statement("reconcile/copy_out_of_scope"), ((sid,) for sid in first.out_of_scope))
    left_recs, left_sans = rules.leftovers(recs, sans, first)
    del recs, sans
    _copy(cur, statement("reconcile/copy_group_recommendations"), ((r.recommendation_id,) for r in left_recs))
    _copy(cur, statement("reconcile/copy_group_sanctions"), ((s.sanction_id,) for s in left_sans))
    del left_recs, left_sans
    cur.execute(statement("reconcile/link_recommendations"))
    left_recs = [rules.Recommendation(*row) for row in cur.fetchall()]
    cur.execute(statement("reconcile/link_sanctions"))
    left_sans = [rules.Sanction(*row) for row in cur.fetchall()]
    fuzzy_links, review = rules.fuzzy_step(left_recs, left_sans, window_days=window_days)
    _copy(cur, statement("reconcile/copy_links"), _link_rows([*first.links.values(), *fuzzy_links.values()]))
    _copy(cur, statement("reconcile/copy_review_queue"), _review_rows(review))
    _copy(cur, statement("reconcile/copy_fuzzy_pool"),
          _pool_rows(_pool_keys(left_recs, left_sans)))
    cur.execute(statement("reconcile/analyze_links"))
    return LinkStep(True, len(first.links) + len(fuzzy_links), len(review), len(first.out_of_scope))
