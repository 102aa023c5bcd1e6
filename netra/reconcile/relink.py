"""The link step of `netra reconcile`: the ladder of netra.reconcile.rules over core, in full or only where its
outcome can have changed (issue 11). The rules stay in rules.py; this module only chooses what they see.

**Full** (the first run, `--full`, or links made with other link settings or another version of the rules):
every recommendation and sanction, read without names and agencies, through `rules.first_steps` (reference,
eligibility, nip); then what they left, with names and agencies read for those only, through
`rules.fuzzy_step`. Together that is `rules.reconcile_links`. core.links, core.review_queue, core.out_of_scope
and core.reference_keys are replaced with COPY.

**Incremental**: the ladder is re-run only where a change can alter its outcome, and the result is the one
a full run gives (tests/unit/test_relink.py compares them on random cores):

1. Steps 1-2 decide a recommendation's fate from the sanctions and recommendations it shares a NIP or a
   normalised reference with, and theirs, transitively: its *group* (rules.first_steps says so). The
   changed ones (`Changes`: inserted, or with another NIP, reference, date, name, agency or reason) are
   looked up by their new *and* old NIP and reference, then everything sharing a key with what was found,
   until nothing new turns up (`group`). The group runs through `rules.first_steps`; outside it the
   previous run's reference and nip links and out-of-scope verdicts stand, since nothing they depend on
   changed.
2. Step 3 runs over all leftovers: the group's, and outside it every recommendation without a reference or
   nip link and every sanction neither so linked nor out of scope (core.links says which). That is the
   full run's fuzzy step on the same input: a few percent of core, so fuzzy links and the review queue are
   simply recomputed.

Reads and writes go through `Store` (SQL in netra/warehouse/statements/reconcile/link_*.sql); the tests use
an in-memory one.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from netra.reconcile import rules
from netra.warehouse.sql import statement

#: Rows per COPY chunk (one StringIO each): bounds the text held in memory at once.
COPY_CHUNK = 100_000
#: Rows per fetch of a streamed (server-side) cursor in a full run.
FETCH_ROWS = 50_000


def link_settings(window_days: int, neutrality: str) -> str:
    """What links depend on besides core: the two link settings and the rules' code.

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
    return json.dumps({"window_days": window_days, "neutrality": neutrality, "rules": digest.hexdigest()[:16]},
                      sort_keys=True)


# ---------------------------------------------------------------- the incremental plan (pure)


@dataclass(frozen=True)
class Changes:
    """What an incremental run changed, as the link step sees it: the new inputs and the old keys."""

    recommendations: list[tuple[rules.Recommendation, str | None]]  # (new, old NIP or None when new)
    sanctions: list[tuple[rules.Sanction, str | None, str | None]]  # (new, old NIP, old reference)


class Store(Protocol):
    """Where the incremental plan reads core (netra/reconcile/relink.py's SQL store, or the tests' own)."""

    def by_keys(self, nips: set[str], refs: set[str]) -> tuple[list[rules.Recommendation], list[rules.Sanction]]:
        """Recommendations with a NIP in `nips` or whose normalised id is in `refs`; sanctions with a NIP in
        `nips` or naming (normalised) a reference in `refs`.
        """

    def pool(self, recommendations: set[str], sanctions: set[str]) -> tuple[list[rules.Recommendation],
                                                                         list[rules.Sanction]]:
        """Outside the given ids: recommendations without a reference or nip link, sanctions neither so linked
        nor out of scope (the previous run's verdicts).
        """


@dataclass
class Plan:
    """The new verdicts of an incremental run: steps 1-2 for the group, step 3 for all leftovers."""

    group_recommendations: set[str]
    group_sanctions: set[str]
    first: rules.FirstSteps  # the group's reference and nip links and out-of-scope sanctions
    fuzzy_links: dict[str, rules.Link]  # over all leftovers
    review: list[rules.ReviewItem]
    group_inputs: tuple[list[rules.Recommendation], list[rules.Sanction]] = field(default=([], []))
    pool_sizes: tuple[int, int] = (0, 0)  # leftover recommendations and sanctions the fuzzy step saw


def _keys_of_rec(r: rules.Recommendation, nips: set[str], refs: set[str]) -> None:
    if r.nip:
        nips.add(r.nip)
    key = rules.normalise_reference(r.recommendation_id)
    if key is not None:
        refs.add(key)


def _keys_of_sanction(nip: str | None, ref: str | None, nips: set[str], refs: set[str]) -> None:
    if nip:
        nips.add(nip)
    key = rules.normalise_reference(ref)
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
    for r, old_nip in changes.recommendations:
        recs[r.recommendation_id] = r
        _keys_of_rec(r, nips, refs)
        if old_nip:
            nips.add(old_nip)
    for s, old_nip, old_ref in changes.sanctions:
        sans[s.sanction_id] = s
        _keys_of_sanction(s.nip, s.recommendation_ref, nips, refs)
        _keys_of_sanction(old_nip, old_ref, nips, refs)
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
                _keys_of_sanction(s.nip, s.recommendation_ref, nips, refs)
    return recs, sans


def plan(store: Store, changes: Changes, *, window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
         neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> Plan:
    """Steps 1-2 over the changes' group, step 3 over every leftover (the module docstring says why that is
    the full run's result).
    """
    recs, sans = group(store, changes)
    first = rules.first_steps(recs.values(), sans.values(), window_days=window_days, neutrality=neutrality)
    left_recs, left_sans = rules.leftovers(recs.values(), sans.values(), first)
    pool_recs, pool_sans = store.pool(set(recs), set(sans))
    all_recs, all_sans = pool_recs + left_recs, pool_sans + left_sans
    fuzzy_links, review = rules.fuzzy_step(all_recs, all_sans, window_days=window_days)
    return Plan(set(recs), set(sans), first, fuzzy_links, review, (list(recs.values()), list(sans.values())),
                (len(all_recs), len(all_sans)))


def reference_keys(recommendations: Iterable[rules.Recommendation],
                   sanctions: Iterable[rules.Sanction]) -> Iterator[tuple[str, str, str]]:
    """(side, id, normalised reference) wherever the normalised form differs from the text (core.reference_keys)."""
    for r in recommendations:
        key = rules.normalise_reference(r.recommendation_id)
        if key is not None and key != r.recommendation_id:
            yield ("recommendation", r.recommendation_id, key)
    for s in sanctions:
        key = rules.normalise_reference(s.recommendation_ref)
        if key is not None and key != s.recommendation_ref:
            yield ("sanction", s.sanction_id, key)


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


class SqlStore:
    """`Store` on the reconcile's cursor (its transaction): the link_* statements."""

    def __init__(self, cur):
        self.cur = cur

    def by_keys(self, nips, refs):
        """See `Store.by_keys` (reconcile/link_by_keys_*.sql)."""
        params = {"nips": sorted(nips), "refs": sorted(refs)}
        self.cur.execute(statement("reconcile/link_by_keys_recommendations"), params)
        recs = [rules.Recommendation(*row) for row in self.cur.fetchall()]
        self.cur.execute(statement("reconcile/link_by_keys_sanctions"), params)
        sans = [rules.Sanction(*row) for row in self.cur.fetchall()]
        return recs, sans

    def pool(self, recommendations, sanctions):
        """See `Store.pool` (the group's ids into link_group_*, then reconcile/link_pool_*.sql)."""
        _copy(self.cur, statement("reconcile/copy_group_recommendations"), ((i,) for i in sorted(recommendations)))
        _copy(self.cur, statement("reconcile/copy_group_sanctions"), ((i,) for i in sorted(sanctions)))
        self.cur.execute(statement("reconcile/link_pool_recommendations"))
        recs = [rules.Recommendation(*row) for row in self.cur.fetchall()]
        self.cur.execute(statement("reconcile/link_pool_sanctions"))
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
    pool: tuple[int, int] = (0, 0)  # leftovers the fuzzy step saw


def changes(cur) -> Changes:
    """The seeds of an incremental run (reconcile/link_changes_*.sql, after build_core.sql)."""
    cur.execute(statement("reconcile/link_changes_recommendations"))
    recs = [(rules.Recommendation(*row[:5]), row[5]) for row in cur.fetchall()]
    cur.execute(statement("reconcile/link_changes_sanctions"))
    sans = [(rules.Sanction(*row[:7]), row[7], row[8]) for row in cur.fetchall()]
    return Changes(recs, sans)


def relink(conn, cur, *, full: bool, window_days: int = rules.DEFAULT_LINK_WINDOW_DAYS,
           neutrality: str = rules.DEFAULT_NEUTRALITY_REASON) -> LinkStep:
    """Run the link step in the reconcile's transaction; an incremental run leaves the temp table `relinked`
    (recommendations whose link changed) for the marts.
    """
    cur.execute(statement("reconcile/link_sets"))
    if full:
        return _full(conn, cur, window_days=window_days, neutrality=neutrality)
    found = changes(cur)
    p = plan(SqlStore(cur), found, window_days=window_days, neutrality=neutrality)
    cur.execute(statement("reconcile/unlink_group"))
    _copy(cur, statement("reconcile/copy_links"), _link_rows([*p.first.links.values(), *p.fuzzy_links.values()]))
    _copy(cur, statement("reconcile/copy_review_queue"), _review_rows(p.review))
    _copy(cur, statement("reconcile/copy_out_of_scope"), ((sid,) for sid in p.first.out_of_scope))
    _copy(cur, statement("reconcile/copy_reference_keys"), reference_keys(*p.group_inputs))
    cur.execute(statement("reconcile/relinked"))
    return LinkStep(False, *_counts(cur), group=(len(p.group_recommendations), len(p.group_sanctions)),
                    pool=p.pool_sizes)


def _counts(cur) -> tuple[int, int, int]:
    cur.execute(statement("reconcile/count_links"))
    links, review, out_of_scope = cur.fetchone()
    return links, review, out_of_scope


def _stream(conn, query: str, make) -> list:
    """Every row of `query`, made into objects as they arrive (a server-side cursor, FETCH_ROWS at a time), so
    the rows are never all held twice.
    """
    with conn.cursor(name="netra_link_inputs") as cur:
        cur.itersize = FETCH_ROWS
        cur.execute(query)
        return [make(*row) for row in cur]


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
    return LinkStep(True, len(first.links) + len(fuzzy_links), len(review), len(first.out_of_scope),
                    pool=(len(left_recs), len(left_sans)))
