"""Domain rules of event contract v1 as one Great Expectations suite, run once per micro-batch.

The validator decodes each message first (`netra.contracts.decode`); the events that
pass that structural check are then checked here, a whole micro-batch at a time.

Why the batch is flattened (DESIGN.md §4): a GX validation costs ~65 ms per call
whatever the batch size, so `validate_batch` makes exactly one GX call per batch.
Every value a rule applies to becomes one row of a long DataFrame (`row_id` and
the one group of value columns that row carries, the others null; GX column-map
expectations skip nulls); the event index and field path of each row are kept in
Python beside it. `result_format=COMPLETE` with `unexpected_index_column_names=["row_id"]`
names the failing rows, and each row maps back to (event, field path).

What one call costs, and why the suite is shaped as it is (BENCHMARKS.md, issue 11): GX
spends its time per expectation (building each one's metric graph), not per row. So the
suite has as few expectations as its reason codes allow (12 for 10 codes), no strptime
per value for the NIP dates (a real date is settled while flattening), a frame no wider
than the values, and expectation classes that build their configuration once
(`_expectation_types`). Each expectation carries its reason code in
`meta["reason"]`; the reason returned is `<code>:<field path>`.

Reason codes of this suite:

- `nip.birth_date_invalid`  NIP digits 1-8 are not a real date between 1940-01-01 and today
- `nip.cpns_start_invalid`  NIP digits 9-14 are not a real month, are in the future, or
                            are less than 18 years after the birth month
- `nip.sex_invalid`         NIP digit 15 is not 1 or 2
- `region.unknown`          report.filed region_code is not in `netra.reference.regions()`
- `election.unknown`        report.filed election_id is not in `netra.reference.ELECTIONS`
- `sanction.unknown_code`   sanction_code is not in `netra.reference.sanction_types()`
- `date.out_of_range`       a business date is before 2000-01-01 or after today
                            (effective_to may lie in the future)
- `nik.region_invalid`      reporter NIK digits 1-4 are not a kabupaten/kota code (PP.KK)
- `nik.birth_date_invalid`  reporter NIK digits 7-12 (DDMMYY, DD + 40 for women) are not a real date
- `decision.proven_nip_not_subject`  a proven NIP is not among the subjects of its report
                            (checked when the report has been seen)

One suite per event type (`<event_type>.v1`, built by `build_suite`) is the catalogue
of that type's rules, unit-tested on its own. At run time the validator runs their
union, `events.v1`, in ONE call per micro-batch: rules are grouped so that a group
shared by several types (the NIP rules, the date rules) is one set of expectations.

great_expectations and pandas are imported lazily: importing this module must stay
cheap because the CLI and the Airflow DAG files import it.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite

#: The suite is named after the contract it checks.
SUITE_NAME = "events.v1"

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]}

EARLIEST_BIRTH = date(1940, 1, 1)
EARLIEST_BUSINESS_DAY = date(2000, 1, 1)
CPNS_MIN_AGE_YEARS = 18
#: Provinces whose regency codes changed when Papua was split (2022): old NIKs still carry them.
NIK_RENUMBERED_PROVINCES = ("91", "92")

#: Business dates that must lie between EARLIEST_BUSINESS_DAY and today.
BOUNDED_DATE_FIELDS = (
    "filed_on", "decided_on", "issued_on", "closed_on",
    "decree_date", "effective_from", "revoked_on",
)
#: Business dates that may lie in the future (a sanction's planned end).
OPEN_DATE_FIELDS = ("effective_to",)

#: What a NIP's birth digits become when they are not a real date: before every lower bound.
NOT_A_DAY = date.min
#: What a NIP's CPNS digits become when they are not a real month: after every upper bound
#: (and never before the earliest allowed month, so only the "real month" rule reports it).
NOT_A_MONTH = date.max

#: Value columns of the flattened frame; a row fills only the group it was made for.
VALUE_COLUMNS = (
    "nip_birth_day",      # NIP digits 1-8 as a date, NOT_A_DAY when not a real date (derived)
    "nip_cpns_month",     # first day of the month in digits 9-14, NOT_A_MONTH when not a real month (derived)
    "nip_cpns_earliest",  # first day of the birth month + 18 years, null without a real birth date (derived)
    "nip_sex",            # NIP digit 15
    "region_code",
    "election_id",
    "sanction_code",
    "day",                # a bounded business date
    "day_open",           # a business date with no upper bound
    "nik_region",         # reporter NIK digits 1-4 as PP.KK
    "nik_birth",          # reporter NIK DDMMYY with 40 taken off a woman's day
    "proven_is_subject",  # True/False for a proven NIP of a known report, else null (derived)
)
#: The frame GX sees: the row id (to name failing rows) and the values, nothing else. GX copies
#: the frame's columns for every metric it filters, so the event index and field path of
#: each row stay in Python lists beside it.
COLUMNS = ("row_id",) + VALUE_COLUMNS


# ---------------------------------------------------------------- suite


def _reason(code: str) -> dict:
    return {"reason": code}


def _membership_regex(region_codes) -> str:
    r"""A regex that matches exactly the given `PP` / `PP.KK` region codes.

    Membership in ~550 region codes is checked with a regex rather than with
    ExpectColumnValuesToBeInSet: GX copies each expectation's configuration some 140
    times per run, and copying a 550-item value_set every time adds ~50 ms to every
    batch, whereas one string costs nothing to copy. The regex is derived from the
    same reference data, grouped by province: `^(?:11(?:\.(?:01|02|…))?|12…)\Z`.
    """
    regencies: dict[str, list[str]] = {}
    for code in sorted(region_codes):
        province, _, regency = code.partition(".")
        regencies.setdefault(province, [])
        if regency:
            regencies[province].append(re.escape(regency))
    alternatives = []
    for province, kks in regencies.items():
        if not kks:
            alternatives.append(re.escape(province))
            continue
        # The bare province code is valid only when the reference lists it.
        optional = "?" if province in region_codes else ""
        alternatives.append(rf"{re.escape(province)}(?:\.(?:{'|'.join(kks)})){optional}")
    # \Z rather than $: `$` would also match before a trailing newline.
    return "^(?:" + "|".join(alternatives) + r")\Z"


@lru_cache(maxsize=1)
def _expectation_types():
    """The GX expectation classes of this suite, each with its configuration built once per instance.

    GX derives `Expectation.configuration` from the model's fields on every access (a
    pydantic `.dict()` plus a new ExpectationConfiguration), and one validation reads it
    ~140 times per expectation: about a quarter of each call. Each call, GX makes fresh
    expectation objects from the suite's configurations with the suite parameters filled
    in; these subclasses let such an object keep the configuration it built (dropped when
    a field is set, so it cannot go stale). The suite's own objects are marked with
    `_keep_fresh` and build a new configuration every time, because GX fills the suite
    parameters into that configuration in place. They check exactly what the built-in
    expectation checks; they are defined once per process (GX registers expectation
    classes by name) and appear in results as `netra_<built-in type>`.
    """
    from types import SimpleNamespace

    import great_expectations.expectations as gxe

    class _ConfigurationOnce:
        __slots__ = ()

        @property
        def configuration(self):
            try:
                return object.__getattribute__(self, "_netra_configuration")
            except AttributeError:
                built = super().configuration
                try:
                    object.__getattribute__(self, "_netra_fresh")
                except AttributeError:
                    object.__setattr__(self, "_netra_configuration", built)
                return built

        def __setattr__(self, name, value):
            try:
                object.__delattr__(self, "_netra_configuration")
            except AttributeError:
                pass
            super().__setattr__(name, value)

    types = {}
    for base in ("ExpectColumnValuesToBeBetween", "ExpectColumnPairValuesAToBeGreaterThanB",
                 "ExpectColumnValuesToBeInSet", "ExpectColumnValuesToMatchRegex",
                 "ExpectColumnValuesToMatchStrftimeFormat"):
        types[base] = type(f"Netra{base}", (_ConfigurationOnce, getattr(gxe, base)),
                           {"__slots__": ("_netra_configuration", "_netra_fresh"), "__module__": __name__})
    return SimpleNamespace(**types)


def _keep_fresh(expectation) -> None:
    """Mark a suite's own expectation: its configuration is filled in place by GX, so never kept."""
    object.__setattr__(expectation, "_netra_fresh", True)


def _rule_groups() -> dict[str, list]:
    """Expectations by rule group; each event type's suite is the union of its groups."""
    from netra.reference import ELECTIONS, regions, sanction_types

    gxe = _expectation_types()

    today = {"$PARAMETER": "today"}
    regencies = {code for code, r in regions().items() if r.level == "regency"}
    # A NIK keeps the regency code it was first issued under. Papua's regencies were renumbered
    # into the new provinces 93-96 in 2022, so older NIKs carry 91.xx/92.xx codes that are no
    # longer in the current list: accept any regency number under those two provinces.
    regencies |= {f"{p}.{kk:02d}" for p in NIK_RENUMBERED_PROVINCES for kk in range(1, 100)}
    return {
        "nip": [
            # NIP birth date: a real date, between 1940-01-01 and today. Whether digits 1-8
            # are a real date is settled while flattening (`datetime.date` either accepts
            # them or not); one that is not gets NOT_A_DAY, which lies before any lower
            # bound, so this one expectation carries the whole rule. (A strftime check
            # plus a range check cost two expectations and a strptime per value.)
            gxe.ExpectColumnValuesToBeBetween(
                column="nip_birth_day", min_value=EARLIEST_BIRTH, max_value=today,
                meta=_reason("nip.birth_date_invalid")),
            # NIP CPNS start (TMT): a real month (else NOT_A_MONTH, after any upper bound),
            # not in the future, and at least 18 years after the birth month. No built-in
            # expectation adds years to a column, so the earliest allowed month is derived
            # in pandas and compared with a pair expectation.
            gxe.ExpectColumnValuesToBeBetween(
                column="nip_cpns_month", max_value=today, meta=_reason("nip.cpns_start_invalid")),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="nip_cpns_month", column_B="nip_cpns_earliest", or_equal=True,
                ignore_row_if="either_value_is_missing", meta=_reason("nip.cpns_start_invalid")),
            gxe.ExpectColumnValuesToBeInSet(
                column="nip_sex", value_set=["1", "2"], meta=_reason("nip.sex_invalid")),
        ],
        "nik": [
            # NIK: PPKKCC + DDMMYY (+40 on DD for women) + NNNN (DOMAIN.md §3). The region is
            # where the NIK was first issued and never changes, so any regency code counts.
            gxe.ExpectColumnValuesToMatchRegex(
                column="nik_region", regex=_membership_regex(regencies), meta=_reason("nik.region_invalid")),
            gxe.ExpectColumnValuesToMatchStrftimeFormat(
                column="nik_birth", strftime_format="%d%m%y", meta=_reason("nik.birth_date_invalid")),
        ],
        "report_reference": [
            gxe.ExpectColumnValuesToMatchRegex(
                column="region_code", regex=_membership_regex(regions()), meta=_reason("region.unknown")),
            gxe.ExpectColumnValuesToBeInSet(
                column="election_id", value_set=sorted(ELECTIONS), meta=_reason("election.unknown")),
        ],
        "sanction_code": [
            gxe.ExpectColumnValuesToBeInSet(
                column="sanction_code", value_set=sorted(sanction_types()),
                meta=_reason("sanction.unknown_code")),
        ],
        "proven_subset": [
            gxe.ExpectColumnValuesToBeInSet(
                column="proven_is_subject", value_set=[True], meta=_reason("decision.proven_nip_not_subject")),
        ],
        "dates": [
            gxe.ExpectColumnValuesToBeBetween(
                column="day", min_value=EARLIEST_BUSINESS_DAY, max_value=today,
                meta=_reason("date.out_of_range")),
            gxe.ExpectColumnValuesToBeBetween(
                column="day_open", min_value=EARLIEST_BUSINESS_DAY, meta=_reason("date.out_of_range")),
        ],
    }


#: Which rule groups each event type's suite holds (the catalogue, by type).
SUITE_GROUPS = {
    "report.filed": ("nip", "nik", "report_reference", "dates"),
    "report.decided": ("nip", "proven_subset", "dates"),
    "recommendation.issued": ("nip", "sanction_code", "dates"),
    "recommendation.closed": ("dates",),
    "sanction.imposed": ("nip", "sanction_code", "dates"),
    "sanction.revoked": ("dates",),
}


def _suite(name: str, groups) -> ExpectationSuite:
    import great_expectations as gx

    _batch_definition()  # GX objects need an active (ephemeral) context

    rules = _rule_groups()
    suite = gx.ExpectationSuite(name=name, meta={"contract": "events", "version": 1, "groups": list(groups)})
    for group in groups:
        for expectation in rules[group]:
            suite.add_expectation(expectation)
    for expectation in suite.expectations:
        _keep_fresh(expectation)
    return suite


@cache
def build_suite(event_type: str) -> ExpectationSuite:
    """The domain-rule suite of one event type, `<event_type>.v1`."""
    return _suite(f"{event_type}.v1", SUITE_GROUPS[event_type])


@lru_cache(maxsize=1)
def build_suites() -> dict[str, ExpectationSuite]:
    """The suites by name: `events.v1` (what the validator runs per batch) and one per event type.

    The date bounds that move with the calendar use the suite parameter `today`,
    supplied per run, so no suite has to be rebuilt.
    """
    union = tuple(dict.fromkeys(g for groups in SUITE_GROUPS.values() for g in groups))
    suites = {SUITE_NAME: _suite(SUITE_NAME, union)}
    suites.update({build_suite(t).name: build_suite(t) for t in SUITE_GROUPS})
    return suites


@lru_cache(maxsize=1)
def _batch_definition() -> BatchDefinition:
    """Ephemeral context + pandas data source + whole-dataframe batch definition, made once."""
    # No internet here, and the validator must not phone home: turn GX analytics off
    # unless the operator has set the variable explicitly.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm progress bars on stderr would flood the consumer's structured logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("netra_validator").add_dataframe_asset("checked_values")
    return asset.add_batch_definition_whole_dataframe("micro_batch")


# ---------------------------------------------------------------- flattening


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _nip_values(nip: str) -> tuple[date, date, date | None, str]:
    """(nip_birth_day, nip_cpns_month, nip_cpns_earliest, nip_sex) of a normalised NIP `YYYYMMDD YYYYMM G NNN`.

    Cached (immutable values): an ASN's NIP recurs in its report, decision, recommendation and sanction.
    """
    birth, cpns, sex = nip[0:8], nip[8:14], nip[14:15]
    birth_day = _day(int(birth[0:4]), int(birth[4:6]), int(birth[6:8])) if birth.isdigit() else None
    cpns_month = _day(int(cpns[0:4]), int(cpns[4:6]), 1) if cpns.isdigit() and len(cpns) == 6 else None
    earliest = (date(birth_day.year + CPNS_MIN_AGE_YEARS, birth_day.month, 1)
                if birth_day is not None and birth_day.year + CPNS_MIN_AGE_YEARS <= 9999 else None)
    return (NOT_A_DAY if birth_day is None else birth_day, NOT_A_MONTH if cpns_month is None else cpns_month,
            earliest, sex)


def _nik_values(nik: str) -> tuple[str, str]:
    """(nik_region, nik_birth) of a reporter NIK: PP.KK, and DDMMYY with 40 taken off a woman's day."""
    day = int(nik[6:8])
    day = day - 40 if day > 40 else day  # women: 40 is added to the day
    return f"{nik[0:2]}.{nik[2:4]}", f"{day:02d}{nik[8:12]}"


def flatten(events: list[dict], report_subjects=None) -> tuple[pd.DataFrame, list[int], list[str]]:
    """One row per checked value of the batch: (frame, event index per row, field path per row).

    Row `row_id` of the frame is the position in the two lists. `report_subjects` maps report_id ->
    (its subjects' NIPs, how many subjects had no NIP) for the reports seen, or is a list holding that per
    event; a decision whose report is unknown skips the proven-subset rule. An event's rows: every NIP
    (subjects, proven_nips, nip), the reporter NIK, the proven-subset check of each proven
    NIP, region_code, election_id, sanction_code, the bounded business dates, the open ones.
    Field names are unique to their event types in contract v1, so looking fields up by name
    is enough. The validator's hottest Python loop: plain list appends, no dict per value
    (tests/unit/test_flatten.py checks it against the one-generator-per-event form it replaced).
    """
    import pandas as pd

    event_index: list[int] = []
    paths: list[str] = []
    # Each row fills one or a few value columns: collect them sparsely, (row_id, value) per column.
    cells: dict[str, list] = {name: [] for name in VALUE_COLUMNS}
    birth_c, cpns_c, earliest_c, sex_c = (cells[name] for name in VALUE_COLUMNS[:4])
    nik_region_c, nik_birth_c, proven_c = cells["nik_region"], cells["nik_birth"], cells["proven_is_subject"]
    named = tuple((name, cells[name], False) for name in ("region_code", "election_id", "sanction_code")) + tuple(
        (name, cells["day"], True) for name in BOUNDED_DATE_FIELDS) + tuple(
        (name, cells["day_open"], True) for name in OPEN_DATE_FIELDS)
    add_index, add_path = event_index.append, paths.append

    def add_nip(path: str, nip: str) -> None:
        row_id = len(paths)
        add_index(index)
        add_path(path)
        birth_day, cpns_month, earliest, sex = _nip_values(nip)
        birth_c.append((row_id, birth_day))
        cpns_c.append((row_id, cpns_month))
        earliest_c.append((row_id, earliest))
        sex_c.append((row_id, sex))

    for index, event in enumerate(events):
        payload = event.get("payload") or {}
        for i, subject in enumerate(payload.get("subjects") or ()):
            if subject.get("nip") is not None:
                add_nip(f"payload.subjects.{i}.nip", subject["nip"])
        proven = payload.get("proven_nips") or ()
        for i, nip in enumerate(proven):
            add_nip(f"payload.proven_nips.{i}", nip)
        if payload.get("nip") is not None:
            add_nip("payload.nip", payload["nip"])
        reporter = payload.get("reporter") or {}
        if reporter.get("nik"):
            nik_region, nik_birth = _nik_values(reporter["nik"])
            nik_region_c.append((len(paths), nik_region))
            nik_birth_c.append((len(paths), nik_birth))
            add_index(index)
            add_path("payload.reporter.nik")
        if report_subjects is not None and event.get("event_type") == "report.decided":
            known = (report_subjects[index] if isinstance(report_subjects, list)  # as of this event (validator)
                     else report_subjects.get(payload.get("report_id")))
            if known is not None:  # only when the report has been seen
                nips, without_nip = known
                # A subject reported without a NIP may be identified during klarifikasi:
                # each such subject can account for one proven NIP not named in the report.
                spare = without_nip
                for i, nip in enumerate(proven):
                    ok = nip in nips or spare > 0
                    if nip not in nips and spare > 0:
                        spare -= 1
                    proven_c.append((len(paths), ok))
                    add_index(index)
                    add_path(f"payload.proven_nips.{i}")
        for name, column_cells, is_date in named:
            value = payload.get(name)
            if value is not None:
                column_cells.append((len(paths), date.fromisoformat(value) if is_date else value))
                add_index(index)
                add_path(f"payload.{name}")

    n = len(paths)
    columns: dict[str, Any] = {"row_id": range(n)}
    for name in VALUE_COLUMNS:
        column: list[Any] = [None] * n
        for row_id, value in cells[name]:
            column[row_id] = value
        # object dtype keeps dates as dates and codes as ints next to the nulls.
        columns[name] = pd.Series(column, dtype=object)
    return pd.DataFrame(columns), event_index, paths


# ---------------------------------------------------------------- validation


def gx_exception_message(exception_info: dict) -> str | None:
    """The message of an exception GX caught while evaluating an expectation, if any.

    GX reports it either flat or keyed by metric id, depending on where it happened.
    """
    if exception_info.get("raised_exception"):
        return exception_info.get("exception_message") or "unknown error"
    for info in exception_info.values():
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "unknown error"
    return None


def _run_suite(frame: pd.DataFrame, today: date):
    """The one GX validation call of a batch."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        build_suites()[SUITE_NAME],
        result_format=RESULT_FORMAT,
        expectation_parameters={"today": today},
    )


def validate_batch(events: list[dict], *, today: date, report_subjects=None) -> list[list[str]]:
    """Domain reason codes per event, in input order; `[]` for an event that passes every rule.

    `events` are decoded, structurally valid events (`decode(...).event`). Raises
    RuntimeError when GX itself fails on an expectation, rather than letting the
    batch through unchecked.
    """
    if not events:
        return []
    if isinstance(today, datetime):  # a datetime would not compare with the date columns
        today = today.date()
    frame, event_index, paths = flatten(events, report_subjects)
    reasons: list[list[str]] = [[] for _ in events]
    if frame.empty:
        return reasons

    result = _run_suite(frame, today)
    # (row_id, expectation position, code): sorting gives a stable order per event,
    # fields in payload order, then rules in suite order.
    hits: list[tuple[int, int, str]] = []
    for position, outcome in enumerate(result.results):
        error = gx_exception_message(outcome.exception_info or {})
        if error is not None:
            raise RuntimeError(f"GX failed on {outcome.expectation_config.type}: {error}")
        if outcome.success:
            continue
        code = outcome.expectation_config.meta["reason"]
        for unexpected in outcome.result["unexpected_index_list"]:
            hits.append((int(unexpected["row_id"]), position, code))

    for row_id, _, code in sorted(hits):
        reason = f"{code}:{paths[row_id]}"
        bucket = reasons[event_index[row_id]]
        if reason not in bucket:  # several expectations can share one code
            bucket.append(reason)
    return reasons
