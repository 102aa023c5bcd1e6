"""The `netra` command line (DESIGN.md §7): the argument parser and `main`.

What each subcommand does is in netra/commands.py (`cmd_*`); `main` sets up logging from
the settings, runs the chosen command and turns the errors an operator can fix into one
clear line and an exit code.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date

from netra import commands
from netra import settings as settings_mod
from netra.commands import DLQ_LIST_LIMIT, fail
from netra.settings import SettingsError


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


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
    st.set_defaults(func=commands.cmd_stack)

    tp = sub.add_parser("topics", help="Kafka topics")
    tp.add_argument("action", choices=["create"])
    tp.add_argument("--reset-credentials", action="store_true",
                    help="also re-set the Kafka passwords of existing principals "
                         "(after changing NETRA_KAFKA_PASSWORD_*)")
    tp.set_defaults(func=commands.cmd_topics)

    db = sub.add_parser("db", help="warehouse schema")
    db.add_argument("action", choices=["migrate", "create-analyst"])
    db.add_argument("name", nargs="?", help="with create-analyst: the login name (password: NETRA_ANALYST_PASSWORD "
                    "or a prompt)")
    db.set_defaults(func=commands.cmd_db)

    pb = sub.add_parser("publish", help="publish a JSONL file of events to a topic")
    pb.add_argument("--topic", required=True)
    pb.add_argument("file", help="JSONL file, or - for standard input")
    pb.add_argument("--as", dest="principal", metavar="PRINCIPAL",
                    help="Kafka principal to publish as (default: the topic's upstream, e.g. bawaslu for reports.raw)")
    pb.add_argument("--skip-invalid", action="store_true", help="skip lines that are not JSON instead of stopping")
    pb.set_defaults(func=commands.cmd_publish)

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
    gn.set_defaults(func=commands.cmd_generate)

    cs = sub.add_parser("consume", help="run one consumer stage")
    cs.add_argument("stage", choices=["validator", "enricher", "sink"])
    cs.add_argument("--until-idle", type=float, default=None, metavar="SECONDS",
                    help="drain and exit after no message arrived for this long")
    cs.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                    help="serve Prometheus /metrics here (default from NETRA_METRICS_PORT; 0: off)")
    cs.set_defaults(func=commands.cmd_consume)

    rc = sub.add_parser("reconcile", help="link sanctions to recommendations and publish the marts")
    rc.add_argument("--as-of", type=_as_of, default=None, help="business day to reconcile (default: today in WIB)")
    rc.add_argument("--full", action="store_true", help="rebuild core from all of raw.events, not just what is new")
    rc.add_argument("--publish-alerts", action="store_true",
                    help="also publish newly overdue recommendations to alerts.overdue (the DAG always does)")
    rc.set_defaults(func=commands.cmd_reconcile)

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
    dq.set_defaults(func=commands.cmd_dlq)

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
    ry.set_defaults(func=commands.cmd_replay)

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
    ib.set_defaults(func=commands.cmd_import_bkpsdm)

    va = sub.add_parser("validate", help="check a JSONL file of events with the validator's rules, offline "
                        "(no broker, no database)")
    va.add_argument("file", help="JSONL file (one event per line), or - for standard input")
    va.add_argument("--topic", help="the ingress topic you will publish to (checks the topic/type match)")
    va.add_argument("--json", action="store_true", help="machine-readable result (for CI)")
    va.set_defaults(func=commands.cmd_validate)

    vb = sub.add_parser("validate-bkpsdm", help="the per-row result of importing a BKPSDM spreadsheet, "
                        "without sending anything")
    vb.add_argument("file", metavar="FILE.xlsx|csv")
    vb.add_argument("--agency",
                    help="agency for rows without an Instansi (default: from a region-code file name prefix)")
    vb.add_argument("--region", help="Kemendagri code of the BKPSDM, e.g. 33.72 (default: the file name's prefix)")
    vb.add_argument("--skip-domain-check", action="store_true", help="skip the Great Expectations domain rules")
    vb.add_argument("--json", action="store_true", help="machine-readable result (for CI)")
    vb.set_defaults(func=commands.cmd_validate_bkpsdm)

    rp = sub.add_parser("report", help="the analysts' report from the marts (text, or HTML with charts)")
    rp.add_argument("--as-of", type=_as_of, default=None, help="default: the as-of day of the last reconcile")
    rp.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with charts")
    rp.add_argument("--public", action="store_true", help="use the small-cell-suppressed summary")
    rp.set_defaults(func=commands.cmd_report)

    sa = sub.add_parser("status", help="stack, consumers (lag, liveness), dead letters, reconciles, overdue count")
    sa.add_argument("--json", action="store_true", help="one JSON object (for scripts and monitoring)")
    sa.set_defaults(func=commands.cmd_status)

    dm = sub.add_parser("demo", help="everything end to end on a synthetic Pilkada 2020 season")
    dm.add_argument("--seed", type=int, default=2020)
    dm.add_argument("--scale", type=float, default=1.0)
    dm.add_argument("--with-airflow", action="store_true")
    dm.set_defaults(func=commands.cmd_demo)
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
        s = settings_mod.load()
        commands.set_output_format(s.log_format)
        commands.configure_logging(s.log_level, s.log_format)
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
