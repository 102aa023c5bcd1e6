"""The `netra` command line (DESIGN.md §7). Each subcommand is a thin call into the package."""
from __future__ import annotations

import argparse
import json
import logging
import os
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


def configure_logging(level: str, fmt: str = "text") -> None:
    """Set up the root logger with the given level and text or JSON format."""
    from netra.logs import configure

    configure(level, fmt)


def _settings():
    return settings_mod.load()


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


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


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """Build the `netra` argument parser with all its subcommands."""
    p = argparse.ArgumentParser(prog="netra", description="Follow proven ASN neutrality violations to their sanctions.")
    p.add_argument("--log-format", choices=settings_mod.LOG_FORMATS, default=None,
                   help="text lines or one JSON object per line (default: NETRA_LOG_FORMAT)")
    p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING, ... (default: NETRA_LOG_LEVEL)")
    sub = p.add_subparsers(dest="command", required=True)

    st = sub.add_parser("stack", help="bring the local Kafka/Postgres(/Airflow) stack up or down")
    st.add_argument("action", choices=["up", "down", "status"])
    st.add_argument("--with-airflow", action="store_true", help="also start `airflow standalone` (heavy)")
    st.set_defaults(func=cmd_stack)

    tp = sub.add_parser("topics", help="Kafka topics")
    tp.add_argument("action", choices=["create"])
    tp.add_argument("--reset-credentials", action="store_true",
                    help="also re-set the Kafka passwords of existing principals "
                         "(after changing NETRA_KAFKA_PASSWORD_*)")
    tp.set_defaults(func=cmd_topics)

    db = sub.add_parser("db", help="warehouse schema")
    db.add_argument("action", choices=["migrate", "create-analyst"])
    db.add_argument("name", nargs="?", help="with create-analyst: the login name (password: NETRA_ANALYST_PASSWORD "
                    "or a prompt)")
    db.set_defaults(func=cmd_db)

    pb = sub.add_parser("publish", help="publish a JSONL file of events to a topic")
    pb.add_argument("--topic", required=True)
    pb.add_argument("file", help="JSONL file, or - for standard input")
    pb.add_argument("--as", dest="principal", metavar="PRINCIPAL",
                    help="Kafka principal to publish as (default: the topic's upstream, e.g. bawaslu for reports.raw)")
    pb.add_argument("--skip-invalid", action="store_true", help="skip lines that are not JSON instead of stopping")
    pb.set_defaults(func=cmd_publish)

    gn = sub.add_parser("generate", help="write a synthetic season as JSONL per ingress topic + ground truth")
    gn.add_argument("--out", default="out/season")
    gn.add_argument("--seed", type=int, default=2020)
    gn.add_argument("--election", default="pilkada-2020")
    gn.add_argument("--scale", type=float, default=1.0)
    gn.add_argument("--as-of", type=_as_of, default=date(2024, 2, 6))
    gn.add_argument("--fuzzy-rate", type=float, default=0.0,
                    help="share of NIP-linked sanctions given a NIP typo or no NIP (exercises fuzzy links), 0..1")
    gn.add_argument("--calibrate", action="store_true",
                    help="hit the published KASN Pilkada 2020 figures exactly (2,034 / 1,597 / 1,373-1,413-1,450)")
    gn.set_defaults(func=cmd_generate)

    cs = sub.add_parser("consume", help="run one consumer stage")
    cs.add_argument("stage", choices=["validator", "enricher", "sink"])
    cs.add_argument("--until-idle", type=float, default=None, metavar="SECONDS",
                    help="drain and exit after no message arrived for this long")
    cs.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                    help="serve Prometheus /metrics here (default from NETRA_METRICS_PORT; 0: off)")
    cs.set_defaults(func=cmd_consume)

    rc = sub.add_parser("reconcile", help="link sanctions to recommendations and publish the marts")
    rc.add_argument("--as-of", type=_as_of, default=None, help="business day to reconcile (default: today in WIB)")
    rc.add_argument("--full", action="store_true", help="rebuild core from all of raw.events, not just what is new")
    rc.add_argument("--publish-alerts", action="store_true",
                    help="also publish newly overdue recommendations to alerts.overdue (the DAG always does)")
    rc.set_defaults(func=cmd_reconcile)

    dq = sub.add_parser("dlq", help="rejected messages: list, show, replay, stats")
    dq.add_argument("action", choices=["list", "show", "replay", "stats"])
    dq.add_argument("id", nargs="?", type=int, help="with show: the reject id")
    dq.add_argument("--source", help="only this source (e.g. bawaslu:33.72), source domain (bawaslu: what "
                    "rejects.bawaslu holds) or `unattributed`")
    dq.add_argument("--reason", help="a reason code, e.g. region.unknown (any field), or code:path")
    dq.add_argument("--limit", type=int, default=DLQ_LIST_LIMIT,
                    help=f"list: rows shown (default {DLQ_LIST_LIMIT}); stats: groups shown")
    dq.add_argument("--include-replayed", action="store_true")
    dq.add_argument("--json", action="store_true", help="stats: one JSON object")
    dq.set_defaults(func=cmd_dlq)

    ry = sub.add_parser("replay", help="re-enrich events landed in raw.events with the current reference data "
                        "(after a new region code, agency alias or sanction type)")
    ry.add_argument("--type", dest="types", action="append", default=[], metavar="EVENT_TYPE",
                    help="only this event type (repeatable), e.g. sanction.imposed")
    ry.add_argument("--since", metavar="WHEN", help="from this day (YYYY-MM-DD, WIB) or time with an offset")
    ry.add_argument("--until", metavar="WHEN", help="up to this day (included) or before this time")
    ry.add_argument("--by", default="occurred_at", metavar="COLUMN",
                    help="what --since/--until compare: occurred_at (default) or ingested_at (when it first landed)")
    ry.add_argument("--source", help="only this source (e.g. bkpsdm:33.72) or source domain (bkpsdm)")
    ry.add_argument("--all", action="store_true", help="every landed event")
    ry.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    ry.set_defaults(func=cmd_replay)

    ib = sub.add_parser("import-bkpsdm",
                        help="import BKPSDM sanction spreadsheets (CSV/XLSX) as sanction.imposed events")
    ib.add_argument("files", nargs="+", metavar="FILE")
    ib.add_argument("--agency",
                    help="agency for rows without an Instansi (default: from a region-code file name prefix)")
    ib.add_argument("--region", help="Kemendagri code of the BKPSDM, e.g. 33.72 (default: the file name's prefix)")
    ib.add_argument("--archive-dir",
                    help="where each file and its .result.csv go (default: processed/ beside the file)")
    ib.add_argument("--skip-domain-check", action="store_true",
                    help="skip the Great Expectations domain rules here (the validator still applies them)")
    ib.set_defaults(func=cmd_import_bkpsdm)

    va = sub.add_parser("validate", help="check a JSONL file of events with the validator's rules, offline "
                        "(no broker, no database)")
    va.add_argument("file", help="JSONL file (one event per line), or - for standard input")
    va.add_argument("--topic", help="the ingress topic you will publish to (checks the topic/type match)")
    va.add_argument("--json", action="store_true", help="machine-readable result (for CI)")
    va.set_defaults(func=cmd_validate)

    vb = sub.add_parser("validate-bkpsdm", help="the per-row result of importing a BKPSDM spreadsheet, "
                        "without sending anything")
    vb.add_argument("file", metavar="FILE.xlsx|csv")
    vb.add_argument("--agency",
                    help="agency for rows without an Instansi (default: from a region-code file name prefix)")
    vb.add_argument("--region", help="Kemendagri code of the BKPSDM, e.g. 33.72 (default: the file name's prefix)")
    vb.add_argument("--skip-domain-check", action="store_true", help="skip the Great Expectations domain rules")
    vb.add_argument("--json", action="store_true", help="machine-readable result (for CI)")
    vb.set_defaults(func=cmd_validate_bkpsdm)

    rp = sub.add_parser("report", help="the analysts' report from the marts (text, or HTML with charts)")
    rp.add_argument("--as-of", type=_as_of, default=None, help="default: the as-of day of the last reconcile")
    rp.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with charts")
    rp.add_argument("--public", action="store_true", help="use the small-cell-suppressed summary")
    rp.set_defaults(func=cmd_report)

    sa = sub.add_parser("status", help="stack, consumers (lag, liveness), dead letters, reconciles, overdue count")
    sa.add_argument("--json", action="store_true", help="one JSON object (for scripts and monitoring)")
    sa.set_defaults(func=cmd_status)

    dm = sub.add_parser("demo", help="everything end to end on a synthetic Pilkada 2020 season")
    dm.add_argument("--seed", type=int, default=2020)
    dm.add_argument("--scale", type=float, default=1.0)
    dm.add_argument("--with-airflow", action="store_true")
    dm.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the `netra` command line; return its exit code."""
    args = build_parser().parse_args(argv)
    # global options go through the environment, so every settings.load() (and Airflow tasks) agree
    if args.log_format:
        os.environ["NETRA_LOG_FORMAT"] = args.log_format
    if args.log_level:
        os.environ["NETRA_LOG_LEVEL"] = args.log_level.upper()
    s = None
    try:
        s = _settings()
        _OUTPUT["format"] = s.log_format
        configure_logging(s.log_level, s.log_format)
        if args.command != "consume" and s.log_level != "DEBUG":
            # a command says in one line what failed and what to do; kafka-python's own connection
            # errors would repeat it less clearly (consumers keep them: they retry and log)
            logging.getLogger("kafka").setLevel(logging.CRITICAL)
        return args.func(args)
    except SettingsError as exc:
        fail(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `netra dlq stats | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # a clear line for the operator; the traceback with NETRA_LOG_LEVEL=DEBUG
        from netra.errors import explain

        known = explain(exc, s) if s is not None else None
        if known:
            fail(known)
            return 1
        if (s.log_level if s is not None else os.environ.get("NETRA_LOG_LEVEL", "").upper()) == "DEBUG":
            raise
        fail(f"{type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
