"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, no URLs) for decision makers.

Reads nothing itself: `page` draws a `Report` (netra/report.py), the stored audit results
and the freshness times (netra/reconcile/quality.py). Every code is shown by its
Indonesian name with the code in small print (netra/labels.py); numbers use Indonesian
separators (1.450; 90,8 %); a suppressed cell of the public edition is an en dash.
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from netra import labels
from netra.contracts.vocabulary import TOTAL_NAMES, WIB_NAME
from netra.labels import FUNNEL_LABELS, MEASURE_LABELS, SEVERITY_LABELS, election_label
from netra.report_charts import bar_chart, trend_chart

#: Business times are shown in Western Indonesian Time.
WIB = ZoneInfo(WIB_NAME)
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
FUNNEL_STEPS = tuple(FUNNEL_LABELS)
HIDDEN = '<span class="hidden" title="disembunyikan (suppressed)">–</span>'
ABSENT = '<span class="absent">·</span>'


def esc(value) -> str:
    """Text as HTML, quotes included."""
    return html.escape(str(value), quote=True)


def named(name: str, code: str | None) -> str:
    """A human name with its code in small print: `Sesuai rekomendasi <small>(as_recommended)</small>`."""
    if not code or code == name:
        return esc(name)
    return f'{esc(name)} <small class="code">({esc(code)})</small>'


def count(v) -> str:
    """1450 -> 1.450; None (suppressed) -> an en dash."""
    if v is None:
        return HIDDEN
    return f"{int(v):,}".replace(",", ".")


def percent(v, digits: int = 1) -> str:
    """0.9081 -> 90,8 %; None (hidden, or nothing to divide) -> an en dash."""
    if v is None:
        return HIDDEN
    return f"{float(v) * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def number(v, digits: int = 1) -> str:
    """23.5 -> 23,5; 23.0 -> 23; None -> an en dash."""
    if v is None:
        return HIDDEN
    text = f"{float(v):.{digits}f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def long_date(d: date | None) -> str:
    """2024-02-06 -> 6 Februari 2024."""
    return "–" if d is None else f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def wib(moment: datetime | None) -> str:
    """An aware time as `2 Desember 2026, 06:32 WIB`."""
    if moment is None:
        return "belum ada (none yet)"
    if moment.tzinfo is None:
        raise ValueError("freshness times must be timezone-aware")
    local = moment.astimezone(WIB)
    return f"{long_date(local.date())}, {local:%H:%M} WIB"


def province_name(name: str) -> str:
    """ref.regions spells names in capitals: `JAWA TENGAH` -> `Jawa Tengah`, keeping DKI / DI."""
    words = [w if w in ("DKI", "DI") else w.capitalize() for w in str(name).split()]
    return " ".join(words)


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """Cells are HTML already (escaped by the caller); the first column is left-aligned text."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def section(title: str, english: str, body: str, note: str = "", anchor: str = "") -> str:
    """A titled section: Indonesian heading, English in small print, an optional note under the body."""
    note_html = f'<p class="note">{note}</p>' if note else ""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return (f'<section{ident}><h2>{esc(title)} <small class="en">{esc(english)}</small></h2>{body}{note_html}'
            f"</section>")


# ---------------------------------------------------------------- header


def _freshness(r, freshness, quality=None) -> str:
    rows = [("Posisi data per", "figures as of", f"<strong>{long_date(r.as_of)}</strong>")]
    if freshness is not None:
        rows.append(("Peristiwa terakhir diterima", "latest event landed", wib(freshness.latest_event_landed_at)))
        reconciled = wib(freshness.last_reconciled_at)
        if freshness.last_reconciled_as_of is not None:
            reconciled += f" (posisi {long_date(freshness.last_reconciled_as_of)})"
        rows.append(("Rekonsiliasi terakhir", "last reconcile", reconciled))
    if quality is not None and quality.latest:
        last = max(quality.latest.values(), key=lambda run: run.checked_at)
        rows.append(("Audit mutu data terakhir", "latest data-quality audit",
                     f'<a href="#mutu-data">{_result(last.success)}</a> {wib(last.checked_at)}'))
    items = "".join(f"<div><dt>{esc(name)} <small class='en'>{esc(en)}</small></dt><dd>{value}</dd></div>"
                    for name, en, value in rows)
    warning = ""
    if (freshness is not None and freshness.latest_event_landed_at is not None
            and freshness.reconciled_through is not None
            and freshness.latest_event_landed_at > freshness.reconciled_through):
        warning = ('<p class="warn">Ada data yang diterima setelah rekonsiliasi terakhir; angka di bawah belum '
                   "memuatnya. <small class='en'>Events landed after the last reconcile are not in these "
                   "figures yet.</small></p>")
    return f'<dl class="meta">{items}</dl>{warning}'


def _key_figures(r) -> str:
    cards = []
    for row in r.totals:
        values = dict(zip(TOTAL_NAMES, row[1:]))
        figures = [("recommended", count(values["recommended"])), ("sanctioned", count(values["sanctioned"])),
                   ("rate", percent(values["rate"])), ("overdue", count(values["overdue"]))]
        cells = "".join(f'<div class="fig"><span class="v">{v}</span><span class="k">{named(MEASURE_LABELS[k], k)}'
                        f"</span></div>" for k, v in figures)
        cards.append(f'<div class="card"><h3>{esc(election_label(row[0]))}</h3><div class="figs">{cells}</div></div>')
    return f'<div class="cards">{"".join(cards)}</div>' if cards else ""


# ---------------------------------------------------------------- sections


def _totals(r) -> str:
    if not r.totals:
        return '<p class="empty">Belum ada rekomendasi. <small class="en">No recommendations yet.</small></p>'
    head = ["Ukuran <small class='en'>measure</small>"] + [esc(election_label(row[0])) for row in r.totals]
    rows = []
    for i, name in enumerate(TOTAL_NAMES, start=1):
        cells = [percent(row[i]) if name == "rate" else count(row[i]) for row in r.totals]
        rows.append([named(MEASURE_LABELS[name], name)] + cells)
    return table(head, rows, "totals")


def _trend(r) -> str:
    series = {election_label(e): [(d, rate) for d, rate, _ in points if rate is not None]
              for e, points in r.trend.items()}
    return trend_chart(series)


def _funnel(r) -> str:
    charts = []
    for i, (election, *steps) in enumerate(r.funnel):
        rows = [(FUNNEL_LABELS[s], s, v) for s, v in zip(FUNNEL_STEPS, steps)]
        charts.append(f"<h3>{esc(election_label(election))}</h3>" + bar_chart(
            rows, chart_id=f"funnel{i}", title=f"Funnel, {election}", xlabel="Jumlah ASN (orang)", colour="#1f5fa8"))
    return "".join(charts)


def _severity(r) -> str:
    rows = [(labels.label(SEVERITY_LABELS, code), code, n) for code, n in r.severity]
    chart = bar_chart(rows, chart_id="severity", title="Severity against the recommendation",
                      xlabel="Jumlah rekomendasi")
    total = sum(n for _, _, n in rows if n is not None)
    if r.public:  # the parts add up to the sanctioned total, which is shown even when a part is not
        sanctioned = [dict(zip(TOTAL_NAMES, row[1:]))["sanctioned"] for row in r.totals]
        total = sum(sanctioned) if sanctioned and None not in sanctioned else None
    body = [[named(name, code), count(n), percent(n / total if total and n is not None else None)]
            for name, code, n in rows]
    return chart + table(["Sanksi dibanding rekomendasi <small class='en'>imposed against recommended</small>",
                          "Jumlah rekomendasi <small class='en'>recommendations</small>",
                          "Bagian <small class='en'>share</small>"], body, "severity")


def _national_rate(r, election: str):
    for row in r.totals:
        if row[0] == election:
            return dict(zip(TOTAL_NAMES, row[1:]))["rate"]
    return None


def _provinces(r) -> str:
    parts = []
    elections = list(dict.fromkeys(row[0] for row in r.provinces))
    for i, election in enumerate(elections):
        rows = [row for row in r.provinces if row[0] == election]  # already in the report's (public) order
        shown = [row for row in rows if row[6] is not None]
        national = _national_rate(r, election)
        reference = None
        if national is not None:
            reference = ("nasional " + f"{float(national) * 100:.1f}".replace(".", ",") + " %", float(national))
        chart = bar_chart([(province_name(row[2]), row[1], float(row[6])) for row in shown], chart_id=f"prov{i}",
                          title=f"Follow-through per province, {election}",
                          xlabel="Tingkat tindak lanjut (% rekomendasi yang dijatuhi sanksi)", percent=True,
                          reference=reference)
        head = [f"{MEASURE_LABELS['province']} <small class='en'>province</small>"] + [
            named(MEASURE_LABELS[k], k) for k in ("recommended", "sanctioned", "overdue", "rate", "median")]
        body = [[named(province_name(row[2]), row[1]), count(row[3]), count(row[4]), count(row[5]),
                 percent(row[6]), number(row[7])] for row in rows]
        hidden = len(rows) - len(shown)
        note = (f"{hidden} provinsi tanpa tingkat yang dapat ditampilkan tidak digambar. "
                f"<small class='en'>{hidden} provinces whose rate is suppressed are not drawn.</small>"
                if hidden else "")
        parts.append(f"<h3>{esc(election_label(election))}</h3>{chart}"
                     + (f'<p class="note">{note}</p>' if note else "") + table(head, body, "provinces"))
    return "".join(parts)


# ---------------------------------------------------------------- data quality

RESULT_LABELS = {True: ("Lulus", "passed", "pass"), False: ("Gagal", "failed", "fail")}


def _result(success: bool, error: str | None = None) -> str:
    if error:
        return '<span class="badge fail">✗ Galat <small class="code">(error)</small></span>'
    name, code, cls = RESULT_LABELS[bool(success)]
    mark = "✓" if success else "✗"
    return f'<span class="badge {cls}">{mark} {name} <small class="code">({code})</small></span>'


def _unexpected(row) -> str:
    if row.unexpected_count is None:
        return ABSENT
    share = "" if row.unexpected_percent is None else f" ({number(row.unexpected_percent, 2)}\u00a0%)"
    total = "" if row.element_count is None else f" dari {count(row.element_count)}"
    return f"{count(row.unexpected_count)}{total}{share}"


def _observed(row) -> str:
    if row.error:
        return esc(row.error)
    if row.success or row.observed is None:
        return ABSENT
    try:
        value = json.loads(row.observed)
    except ValueError:
        value = row.observed
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return esc(text if len(text) <= 160 else text[:157] + "…")


def quality_rows(rows) -> list[list[str]]:
    """Table rows of one audit's expectations, failures first (HTML cells)."""
    ordered = sorted(rows, key=lambda r: (r.success and not r.error, r.suite, r.rule or "", r.target or ""))
    return [[_result(r.success, r.error),
             f"{esc(r.description or r.expectation)}<br><small class='code'>{esc(r.rule or r.expectation)}</small>",
             f"<span class='col'>{esc(r.target or '–')}</span>", _unexpected(r), _observed(r)]
            for r in ordered]


QUALITY_HEAD = ["Hasil <small class='en'>result</small>", "Aturan <small class='en'>rule</small>",
                "Kolom <small class='en'>column</small>", "Baris tak sesuai <small class='en'>unexpected rows</small>",
                "Teramati <small class='en'>observed</small>"]


def _suite_summary(rows) -> str:
    """Per suite: expectations evaluated, passed, failed, and the rows checked."""
    suites: dict[str, list] = {}
    for row in rows:
        suites.setdefault(row.suite, []).append(row)
    body = []
    for suite, items in suites.items():
        failed = sum(1 for r in items if not r.success or r.error)
        checked = max((r.element_count or 0 for r in items), default=0)
        body.append([f"<span class='col'>{esc(suite)}</span>", count(len(items)), count(len(items) - failed),
                     count(failed), count(checked), _result(failed == 0)])
    return table(["Suite <small class='en'>table contract</small>", "Ekspektasi <small class='en'>expectations"
                  "</small>", "Lulus <small class='en'>passed</small>", "Gagal <small class='en'>failed</small>",
                  "Baris diperiksa <small class='en'>rows checked</small>", "Hasil <small class='en'>result</small>"],
                 body, "suites")


def _run_line(run) -> str:
    kind = labels.label(labels.AUDIT_KIND_LABELS, run.kind)
    published = {True: " · mart dipublikasikan <small class='en'>published</small>",
                 False: " · tidak dipublikasikan, mart sebelumnya tetap <small class='en'>not published, the "
                        "previous marts stay</small>", None: ""}[run.published]
    return (f"{_result(run.success)} {named(kind, run.kind)} · {wib(run.checked_at)} · posisi "
            f"{long_date(run.as_of)} · {run.evaluated - run.failed} dari {run.evaluated} ekspektasi lulus{published}")


def _audit(run, rows, opened: bool) -> str:
    failing = [r for r in rows if not r.success or r.error]
    passing = [r for r in rows if r.success and not r.error]
    parts = [_suite_summary(rows)]
    if failing:
        parts.append("<h4>Ekspektasi yang gagal <small class='en'>failed expectations</small></h4>"
                     + table(QUALITY_HEAD, quality_rows(failing), "quality"))
    if passing:
        parts.append(f"<details class='passed'><summary>{count(len(passing))} ekspektasi lulus "
                     "<small class='en'>passed expectations</small></summary>"
                     + table(QUALITY_HEAD, quality_rows(passing), "quality") + "</details>")
    return (f'<details class="audit"{" open" if opened else ""}><summary>{_run_line(run)}</summary>'
            + "".join(parts) + "</details>")


def _quality(quality) -> str:
    if quality is None or not quality.latest:
        return ('<p class="empty">Belum ada hasil audit tersimpan. <small class="en">No stored audit results yet: '
                "they are written by each reconcile and by the daily check.</small></p>")
    parts = ["<h3>Audit terakhir <small class='en'>latest audits, one per kind</small></h3>"]
    for kind, run in sorted(quality.latest.items(), key=lambda kv: kv[1].checked_at, reverse=True):
        parts.append(_audit(run, quality.expectations.get(kind, []), opened=True))
    history = [[_result(run.success), wib(run.checked_at),
                named(labels.label(labels.AUDIT_KIND_LABELS, run.kind), run.kind), long_date(run.as_of),
                count(run.evaluated), count(run.failed),
                {True: "ya <small class='en'>yes</small>", False: "tidak <small class='en'>no</small>",
                 None: "–"}[run.published]] for run in quality.history]
    parts.append("<h3>Riwayat audit <small class='en'>recent runs, newest first</small></h3>" + table(
        ["Hasil <small class='en'>result</small>", "Waktu <small class='en'>checked at</small>",
         "Jenis <small class='en'>kind</small>", "Posisi data <small class='en'>as of</small>",
         "Ekspektasi <small class='en'>evaluated</small>", "Gagal <small class='en'>failed</small>",
         "Dipublikasikan <small class='en'>published</small>"], history, "history"))
    return "".join(parts)


# ---------------------------------------------------------------- page

STYLE = """
:root{--ink:#1f2328;--muted:#5c636e;--line:#d8dce1;--soft:#f5f6f8;--ok:#2e7d4f;--bad:#b3261e}
*{box-sizing:border-box}
body{font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--ink);max-width:62rem;
margin:2rem auto;padding:0 1.25rem;line-height:1.45}
h1{font-size:1.7rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2.2rem 0 .6rem;border-bottom:2px solid var(--ink);
padding-bottom:.2rem}h3{font-size:1.02rem;margin:1.2rem 0 .4rem}
small.en{color:var(--muted);font-weight:normal;font-size:.78em}small.code{color:var(--muted);font-size:.76em;
font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.edition{display:inline-block;margin:.3rem 0 .8rem;padding:.15rem .6rem;border-radius:1rem;font-size:.85rem;
background:var(--soft);border:1px solid var(--line)}.edition.public{background:#eaf3ec;border-color:#b7d7c0}
dl.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.4rem 1.5rem;margin:.5rem 0;
padding:.75rem 1rem;background:var(--soft);border:1px solid var(--line);border-radius:.4rem}
dl.meta dt{font-size:.8rem;color:var(--muted)}dl.meta dd{margin:0}dl.meta a{text-decoration:none}
.warn{background:#fff4e5;border:1px solid #f0c27b;padding:.5rem .8rem;border-radius:.4rem}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.card{flex:1 1 26rem;border:1px solid var(--line);
border-radius:.4rem;padding:.6rem 1rem}.card h3{margin:.2rem 0 .5rem}
.figs{display:grid;grid-template-columns:repeat(4,1fr);gap:.5rem}
.fig .v{display:block;font-size:1.45rem;font-weight:600}
.fig .k{font-size:.8rem;color:var(--muted)}
table{border-collapse:collapse;font-size:.86rem;margin:.4rem 0 1rem;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.28rem .5rem;text-align:right;vertical-align:top}
th{background:var(--soft);font-weight:600;border-top:1px solid var(--line)}
td:first-child,th:first-child{text-align:left}
table.provinces td:first-child{white-space:nowrap}
table.quality td,table.quality th,table.history td,table.history th{text-align:left}
table.quality td:nth-child(4){text-align:right;white-space:nowrap}table.quality td:nth-child(1){width:7.5rem}
table.quality td:nth-child(5){max-width:14rem;overflow-wrap:anywhere}
.col{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.8em;overflow-wrap:anywhere}
h4{font-size:.92rem;margin:.8rem 0 .3rem;color:var(--bad)}details.passed{margin:.3rem 0}
.hidden{color:var(--muted)}.absent{color:#b6bbc2}
.badge{white-space:nowrap;font-weight:600}.badge.pass{color:var(--ok)}.badge.fail{color:var(--bad)}
details.audit{border:1px solid var(--line);border-radius:.4rem;padding:.4rem .8rem;margin:.6rem 0}
details.audit summary{cursor:pointer}
.note{font-size:.85rem;color:var(--muted)}svg{display:block;max-width:100%;height:auto;margin:.3rem 0}
footer{margin-top:2.5rem;font-size:.82rem;color:var(--muted);border-top:1px solid var(--line);padding-top:.6rem}
@media print{body{margin:0;max-width:none}details.audit{break-inside:avoid}section{break-inside:avoid-page}}
"""


def page(r, quality=None, freshness=None) -> str:
    """The whole report as one HTML document."""
    edition = ('<span class="edition public">Edisi publik: sel kecil disembunyikan '
               '<small class="en">public edition, small cells suppressed</small></span>' if r.public else
               '<span class="edition">Edisi internal <small class="en">internal edition, not for '
               "publication</small></span>")
    header = ("<header><h1>Tindak lanjut rekomendasi sanksi netralitas ASN</h1>"
              "<p class='en'><small class='en'>Follow-through of sanction recommendations for ASN "
              "election-neutrality violations (Netra)</small></p>"
              f"{edition}{_freshness(r, freshness, quality)}{_key_figures(r)}</header>")
    sections = [
        section("Ringkasan per pemilihan", "per election", _totals(r),
                "Tingkat tindak lanjut = rekomendasi yang dijatuhi sanksi ÷ seluruh rekomendasi. "
                "<small class='en'>Follow-through rate = sanctioned ÷ recommended.</small>"),
        section("Tindak lanjut dari waktu ke waktu", "share of recommendations sanctioned over time", _trend(r),
                "Setiap titik: posisi data pada akhir bulan, dengan tautan sanksi yang dikenal sekarang. "
                "<small class='en'>Each point is the figure as it stood at that month end.</small>"),
        section("Alur penanganan", "funnel: reported to sanctioned", _funnel(r)),
        section("Sanksi dibanding rekomendasi", "severity of the sanction against the recommendation",
                _severity(r), "Edisi publik: hanya rekomendasi yang dijatuhi sanksi. <small class='en'>Public "
                "edition: sanctioned recommendations only, so the parts add up to the shown total.</small>"
                if r.public else "Tingkat sanksi yang dijatuhkan dibanding tingkat yang direkomendasikan."),
        section("Tindak lanjut per provinsi", "per province, lowest follow-through first", _provinces(r),
                "Diurutkan menurut tingkat yang ditampilkan (terendah dahulu); baris tanpa tingkat di akhir. "
                "<small class='en'>Ordered by the shown rate, lowest first; rows without a shown rate last."
                "</small>"),
        section("Mutu data", "data quality: the Great Expectations audits of the marts", _quality(quality),
                "Setiap rekonsiliasi mengaudit mart baru sebelum dipublikasikan; pemeriksaan harian mengaudit mart "
                "yang sedang dibaca. <small class='en'>Each reconcile audits the new marts before publishing "
                "them (a failed audit publishes nothing); the daily check audits the published ones. GX's own "
                "Data Docs under NETRA_HOME/data_docs need a network to render; this section does not.</small>",
                "mutu-data"),
    ]
    notes = [f"Antrean tinjauan (review queue): {count(r.review)} calon tautan menunggu pemeriksa; sanksi tanpa "
             f"rekomendasi (unlinked sanctions): {count(r.unlinked)}; sanksi untuk pelanggaran lain, di luar "
             f"cakupan (out-of-scope sanctions, reason names another offence): {count(r.out_of_scope)}."]
    notes += [esc(n) for n in r.notes]
    notes.append("– = disembunyikan <small class='en'>(suppressed: fewer than k, or it would reveal one)</small>. "
                 "Sumber: skema <code>mart</code> Netra (rekomendasi KASN/BKN dan SK hukuman disiplin PPK yang "
                 "ditautkan).")
    footer = "<footer>" + "".join(f"<p>{n}</p>" for n in notes) + "</footer>"
    return ('<!doctype html><html lang="id"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Laporan tindak lanjut netralitas ASN, posisi {r.as_of}</title><style>{STYLE}</style></head>"
            f"<body>{header}{''.join(sections)}{footer}</body></html>")
