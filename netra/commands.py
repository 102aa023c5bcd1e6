"""What each `netra` subcommand does (DESIGN.md §7), and how a command says it: `say` and `fail`.

netra/cli.py builds the parser and maps each subcommand to its `cmd_*` here; every handler is
a thin call into the package. Like the command line, this module wires the layers together
(it may import consumers/, producers/ and expectations/), always lazily, so `netra --help`
stays fast.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path

from netra import settings as settings_mod
from netra.contracts.vocabulary import today_wib
from netra.settings import SettingsError

#: How `say` and `fail` write: "text" lines, or "json" objects (--log-format / NETRA_LOG_FORMAT).
_OUTPUT = {"format": "text"}


def _line(level: str, message: str) -> str:
    if _OUTPUT["format"] != "json":
        return message
    from netra.logs import JsonFormatter

    record = logging.LogRecord("netra.cli", getattr(logging, level), __file__, 0, message, None, None)
    return JsonFormatter().format(record)


def say(message: str) -> None:
    """What a command reports (stdout)."""
    print(_line("INFO", message), flush=True)


def fail(message: str) -> None:
    """An error an operator must act on (stderr), `error: ` first in text format."""
    print(_line("ERROR", message if _OUTPUT["format"] == "json" else f"error: {message}"), file=sys.stderr,
          flush=True)


def set_output_format(fmt: str) -> None:
    """How `say` and `fail` write from now on: "text" lines or "json" objects."""
    _OUTPUT["format"] = fmt


def configure_logging(level: str, fmt: str = "text") -> None:
    """Set up the root logger with the given level and text or JSON format."""
    from netra.logs import configure

    configure(level, fmt)


def _settings():
    return settings_mod.load()


# ---------------------------------------------------------------- commands


DLQ_LIST_LIMIT = 50


def cmd_stack(args) -> int:
    """Run `netra stack up|down|status` on the local stack."""
    from netra import stack

    s = _settings()
    if args.action == "up":
        stack.up(s, say, with_airflow=args.with_airflow)
    elif args.action == "down":
        stack.down(s, say)
    else:
        for c in stack.status(s):
            state = "running" if c.running else "stopped"
            owner = "started by netra" if c.started_by_netra else "not started by netra"
            pid = f", pid {c.pid}" if c.pid else ""
            say(f"{c.name:9} {state:8} {c.where} ({owner}{pid})")
    return 0


def cmd_topics(args) -> int:
    """Create the Kafka topics, principals and ACLs (`netra topics create`)."""
    from netra.kafka_io import create_topics

    s = _settings()
    say(f"topics at {s.kafka_bootstrap}:")
    create_topics(s, say, reset_credentials=args.reset_credentials)
    return 0


def cmd_db(args) -> int:
    """Run `netra db migrate|create-analyst` against the warehouse."""
    from netra.warehouse.db import connect, create_analyst, migrate

    s = _settings()
    if args.action == "create-analyst":
        if not args.name:
            say("error: netra db create-analyst needs a login name, e.g. netra db create-analyst siti")
            return 2
        password = s.analyst_password
        if password is None:
            import getpass

            password = getpass.getpass(f"password for the analyst login {args.name}: ")
            if password != getpass.getpass("again: "):
                say("error: the two passwords differ")
                return 2
        if len(password) < 12:
            say("error: use a password of at least 12 characters (NETRA_ANALYST_PASSWORD or the prompt)")
            return 2
        conn = connect(s, owner=True)
        try:
            created = create_analyst(conn, args.name, password)
        finally:
            conn.close()
        say(f"analyst login {args.name} {'created' if created else 'exists; password changed'} "
            "(reads mart and ref only). Connect with:")
        say(f'  psql "{s.analyst_dsn(args.name)}"')
        return 0
    try:
        pipeline_password = s.pg_pipeline_password
    except SettingsError as exc:
        pipeline_password = None
        say(f"warning: netra_pipeline gets no password, so the stages cannot log in yet: {exc}")
    conn = connect(s, owner=True)
    try:
        applied = migrate(conn, say, pipeline_password=pipeline_password)
    finally:
        conn.close()
    say(f"database is up to date ({len(applied)} migration(s) applied now; functions and views re-created "
        "from netra/warehouse/definitions; reference data loaded)")
    return 0


def cmd_publish(args) -> int:
    """Publish JSON lines from a file or stdin to an ingress topic."""
    from netra.kafka_io import make_producer
    from producers.publish import PublishError, check_ingress_topic, open_lines, publish_lines

    try:
        check_ingress_topic(args.topic)
    except PublishError as exc:
        fail(f"{exc}")
        return 2
    from netra.errors import OperatorError, topic_missing
    from netra.kafka_auth import INGRESS_WRITER
    from netra.kafka_io import missing_topics

    s = _settings()
    principal = args.principal or INGRESS_WRITER.get(args.topic)
    if missing_topics(s, [args.topic], principal=principal):
        raise OperatorError(topic_missing(s, [args.topic]))
    # an ingress topic is written by its upstream's principal unless --as names another (which the ACLs judge)
    producer = make_producer(s, principal=principal)
    try:
        with open_lines(args.file) as lines:
            report = publish_lines(producer, args.topic, lines, skip_invalid=args.skip_invalid,
                                   progress=lambda n: say(f"  {n} sent ..."))
    finally:
        producer.close()
    say(report.summary())
    return 0 if not report.refused and not report.undelivered else 2


def cmd_generate(args) -> int:
    """Generate a synthetic election season of event files."""
    from producers.generate import generate_season, summarize

    season = generate_season(Path(args.out), seed=args.seed, election_id=args.election, scale=args.scale,
                             as_of=args.as_of, sla_days=_settings().ppk_sla_days, calibrate=args.calibrate,
                             fuzzy_rate=args.fuzzy_rate)
    say(summarize(season))
    return 0


def cmd_consume(args) -> int:
    """Run one consumer stage after checking its topics and the warehouse."""
    from consumers.run import run_stage
    from netra.errors import OperatorError, not_migrated, topic_missing
    from netra.kafka_io import missing_topics

    s = _settings()
    # the configuration errors an operator can fix, said before the consumer joins its group
    # (every stage reads or writes the pipeline topics `netra topics create` makes)
    # A broker that is down is not a configuration error: the consumer waits for it (its own retries).
    try:
        from netra.kafka_auth import GRANTS

        grant = GRANTS[args.stage]  # the stage's own principal: in compose it has no other password
        missing = missing_topics(s, sorted(set(grant.reads + grant.writes)), principal=args.stage)
    except Exception as exc:  # noqa: BLE001 - only "unreachable" is let through
        from netra.errors import explain, kafka_unreachable

        if explain(exc, s) != kafka_unreachable(s):
            raise
        logging.getLogger("netra.cli").warning(kafka_unreachable(s) + "; the consumer keeps trying")
        missing = []
    if missing:
        raise OperatorError(topic_missing(s, missing))
    if args.stage == "sink":
        from netra.warehouse.db import connect, pending_migrations

        conn = connect(s)
        try:
            pending = pending_migrations(conn)
        finally:
            conn.close()
        if pending:
            raise OperatorError(not_migrated(s, pending))
    metrics = None
    port = args.metrics_port if args.metrics_port is not None else s.metrics_port_for(args.stage)
    if port:
        from netra.metrics import StageMetrics

        metrics = StageMetrics(args.stage)
        metrics.serve(port, s.metrics_host)
    try:
        counters = run_stage(args.stage, s, until_idle=args.until_idle, metrics=metrics)
    finally:
        if metrics is not None:
            metrics.close()
    say(f"{args.stage}: {json.dumps(counters.as_dict())}")
    return 0


def cmd_reconcile(args) -> int:
    """Run the reconcile and its warehouse audit, then print the summary."""
    from expectations.warehouse_audit import audit_marts_in_db
    from netra.reconcile.run import AuditFailed, run_reconcile
    from netra.reconcile.summary import summary_table
    from netra.warehouse.db import connect

    try:
        result = run_reconcile(args.as_of or today_wib(), say, auditor=audit_marts_in_db, full=args.full,
                               publish_alerts=args.publish_alerts, triggered_by="command")
    except AuditFailed as exc:
        fail(f"{exc}")
        return 1
    say(f"  {result.recommendations} recommendations: "
        + ", ".join(f"{k} {v}" for k, v in result.by_status.items())
        + " | links: " + (", ".join(f"{k} {v}" for k, v in sorted(result.by_link_method.items())) or "none")
        + f" | review queue {result.review}, unlinked sanctions {result.unlinked_sanctions}, "
        f"out of scope {result.out_of_scope}")
    if result.data_docs:
        say(f"  Data Docs: {result.data_docs}")
    conn = connect(_settings())
    try:
        say(summary_table(conn))
    finally:
        conn.close()
    return 0


def cmd_dlq(args) -> int:
    """List, show, replay or count rejected events (`netra dlq`)."""
    from netra import dlq
    from netra.text import render_table
    from netra.warehouse.db import connect

    s = _settings()
    conn = connect(s)
    try:
        if args.action == "list":
            rows = dlq.list_rejects(conn, source=args.source, reason=args.reason, limit=args.limit,
                                    include_replayed=args.include_replayed)
            say(render_table(("id", "landed", "topic", "offset", "stage", "source", "event_type", "reasons",
                              "replayed"),
                             [(r["reject_id"], f"{r['landed_at']:%Y-%m-%d %H:%M}", r["source_topic"],
                               f"{r['source_partition']}:{r['source_offset']}", r["stage"], r["source"],
                               r["event_type"], ", ".join(r["reasons"][:3]) + (" …" if len(r["reasons"]) > 3 else ""),
                               "yes" if r["replayed_at"] else "") for r in rows]))
            say(f"{len(rows)} rejected message(s) shown (newest first; --limit {args.limit})")
        elif args.action == "show":
            if args.id is None:
                fail("netra dlq show needs the id of a rejected message (see netra dlq list)")
                return 2
            row = dlq.show_reject(conn, args.id)
            if row is None:
                fail(f"no rejected message with id {args.id}")
                return 1
            value = bytes(row.pop("message_value"))
            key = row.pop("message_key")
            for k, v in row.items():
                say(f"{k:17} {v}")
            say(f"{'message_key':17} {bytes(key).decode('utf-8', 'backslashreplace') if key is not None else None}")
            say(f"message_value ({len(value)} bytes):\n{dlq.format_value(value)}")
        elif args.action == "replay":
            if not args.reason:
                fail("netra dlq replay needs --reason R (a reason code such as region.unknown)")
                return 2
            from netra.kafka_io import make_producer

            producer = make_producer(s, principal="replay")
            try:
                dlq.replay(conn, producer, reason=args.reason, source=args.source, secret=s.hmac_key, say=say)
            finally:
                producer.close()
        else:
            st = dlq.stats(conn, source=args.source, reason=args.reason, include_replayed=args.include_replayed,
                           top=args.limit if args.limit != DLQ_LIST_LIMIT else dlq.STATS_TOP)
            if args.json:
                say(json.dumps(st, default=str))
            else:
                say(dlq.format_stats(st))
    finally:
        conn.close()
    return 0


def cmd_replay(args) -> int:
    """Re-enrich landed events with the current reference data (`netra replay`)."""
    from consumers.enricher import Enricher
    from netra import replay
    from netra.warehouse.db import connect

    try:
        selection = replay.selection(args.types, args.since, args.until, args.by, args.source, args.all)
    except replay.FilterError as exc:
        fail(str(exc))
        return 2
    s = _settings()
    conn = connect(s)
    try:
        # the enricher stage's own code, with the reference data this process loads (netra/replay.py)
        report = replay.replay(conn, Enricher(secret=s.hmac_key), selection, secret=s.hmac_key,
                               dry_run=args.dry_run, say=say)
    except replay.ReplayError as exc:
        fail(str(exc))
        return 1
    finally:
        conn.close()
    return 1 if report.skipped else 0


def cmd_import_bkpsdm(args) -> int:
    """Import BKPSDM sanction spreadsheets as sanction.imposed events."""
    from netra.kafka_io import make_producer
    from netra.reference import regions
    from producers.bkpsdm_import import gx_domain_check, import_file

    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        fail(f"no such file: {', '.join(missing)}")
        return 2
    if args.region and args.region not in regions():
        fail(f"unknown region code {args.region!r}; use a Kemendagri code such as 33.72 (kota) or 33 (provinsi)")
        return 2
    domain_check = None if args.skip_domain_check else gx_domain_check(today_wib())
    producer = make_producer(_settings(), principal="bkpsdm", client_id="netra-bkpsdm-import")
    reports = []
    try:
        for name in args.files:
            path = Path(name)
            archive = Path(args.archive_dir) if args.archive_dir else path.parent / "processed"
            report = import_file(path, producer, archive_dir=archive, agency=args.agency, region=args.region,
                                 domain_check=domain_check)
            if report.error is not None:  # refused: not imported, moved to rejected/ with its report
                fail(f"{path} was not imported: {report.error}; it was moved to {report.archived_to} "
                     f"(reasons in {report.result_path}): fix it and import it again")
            else:
                say(report.summary())
                say(f"  per-row result: {report.result_path}")
            reports.append(report)
    finally:
        producer.close()
    return 0 if all(r.error is None and r.rejected == 0 for r in reports) else 2


def cmd_validate(args) -> int:
    """Validate JSON lines against the event contract without publishing."""
    from netra.validate import validate_lines

    if args.topic is not None and args.topic not in settings_mod.INGRESS_TOPICS:
        say(f"error: {args.topic!r} is not an ingress topic; use one of {', '.join(settings_mod.INGRESS_TOPICS)}")
        return 2
    if args.file != "-" and not Path(args.file).is_file():
        say(f"error: no such file: {args.file}")
        return 2
    s = _settings()
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    try:
        report = validate_lines(stream, name=args.file, topic=args.topic, max_message_bytes=s.max_message_bytes,
                                batch_size=s.batch_size)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    say(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.json else report.to_text())
    return 0 if report.ok else 1


def cmd_validate_bkpsdm(args) -> int:
    """Validate one BKPSDM spreadsheet without publishing it."""
    from datetime import datetime, timedelta, timezone

    from netra.validate import validate_sheet

    path = Path(args.file)
    if not path.is_file():
        say(f"error: no such file: {args.file}")
        return 2
    today = datetime.now(timezone(timedelta(hours=7))).date()  # the validator judges dates in WIB
    report = validate_sheet(path, today=today, agency=args.agency, region=args.region,
                            domain_check=not args.skip_domain_check)
    say(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.json else report.to_text())
    return 0 if report.ok else 1


def cmd_report(args) -> int:
    """Print the follow-through report, or write it as an HTML page with --html."""
    from netra import report
    from netra.warehouse.db import connect

    s = _settings()
    conn = connect(s)
    quality = freshness = None
    try:
        r = report.build(conn, args.as_of or _last_as_of(conn), public=args.public, k=s.small_cell_k)
        if args.html:  # the page also shows the stored audit results and how fresh the data are
            from netra.reconcile.quality import load_report_context

            quality, freshness = load_report_context(conn)
    finally:
        conn.close()
    if args.html:
        Path(args.html).write_text(report.to_html(r, quality, freshness), encoding="utf-8")
        say(f"wrote {args.html}")
    else:
        say(report.to_text(r))
    return 0


def _last_as_of(conn) -> date:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT max(as_of) FROM mart.followthrough")
        return cur.fetchone()[0] or today_wib()


def cmd_status(args) -> int:
    """Print the stack, topics and warehouse status (text or JSON)."""
    from netra.status import report, report_json

    if args.json:
        return report_json(_settings(), say)
    return report(_settings(), say)


def cmd_demo(args) -> int:
    """Run the end-to-end demo."""
    from netra.demo import run_demo

    return run_demo(seed=args.seed, scale=args.scale, with_airflow=args.with_airflow, say=say)
