"""The record as the case file takes it: Markdown, HTML and an A4 PDF, all from one list of blocks.

``blocks()`` lays the record out once (headings, key-value lines, tables, paragraphs, the statement and its
signature lines); ``render_markdown`` and ``render_html`` write those blocks, so the PDF (chromium's
print-to-PDF of the HTML, A4) says exactly what the Markdown says.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.hearing.record_text import Lang, duration_text, label, say
from drivers.errors import CourtroomError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT_S = 60.0


class RecordRenderError(CourtroomError):
    """The record could not be rendered (no chromium, or it failed)."""

    code = "RENDER_ERROR"


@dataclass
class Block:
    kind: str  # h1 | h2 | kv | table | p | ol | sign
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)


def _t(when: dict[str, Any] | None) -> str:
    """A JSON time as the text shows it: date and time to the second (the zone is stated once)."""
    if when is None:
        return "—"
    return str(when["at"])[:19].replace("T", " ")


def _note(interruption: dict[str, Any], lang: Lang) -> str:
    """An interruption's note, with where its raw words are (the controller's own note) as the faults have it."""
    note = str(interruption["note"] or "")
    raw = interruption.get("raw")
    return note + (say("raw_note", lang, n=raw) if raw is not None else "")


def blocks(record: dict[str, Any]) -> list[Block]:
    """The record laid out once, for every format."""
    lang: Lang = record["lang"]
    sep = say("colon", lang)
    out = [Block("h1", f"{label('title', lang)} — {record['case_no']}")]
    closed = _t(record["closed"]) if record["closed"] else label("not_closed", lang)
    by = label("by", lang)
    kv = [
        [label("case_no", lang), record["case_no"] or "—"],
        [label("case_title", lang), record["title"] or "—"],
        [label("parties", lang), say("and", lang).join(record["parties"]) or "—"],
        [label("case_source", lang), record.get("case_source") or "—"],
        [label("publicity", lang), record.get("publicity") or "—"],
        [label("room", lang), f"{record['room_name']} ({record['room_id']})"],
        [label("hearing_id", lang), record["hearing_id"]],
        [
            label("timezone", lang),
            say("zone_line", lang, zone=record["timezone_text"], note=label("timezone_note", lang)),
        ],
        [label("opened", lang), _t(record["opened"]) + say("by_whom", lang, by=by, who=record["opened_by"])],
        [
            label("closed", lang),
            closed + (say("by_whom", lang, by=by, who=record["closed_by"]) if record["closed_by"] else ""),
        ],
        [label("duration", lang), duration_text(record["duration_ms"])],
        [
            label("recorded", lang),
            say("with_note", lang, value=duration_text(record["recorded_ms"]), note=label("recorded_note", lang)),
        ],
    ]
    out.append(Block("kv", rows=kv))
    if record["check_override"]:
        o = record["check_override"]
        failed = say("semi", lang).join(o["failed"])
        fields = {"label": label("override", lang), "reason": o["reason"], "by": by, "who": o["by"], "failed": failed}
        out.append(Block("p", say("check_override", lang, **fields)))
    out.append(Block("h2", label("segments", lang)))
    if record["segments"]:
        headers = [label(k, lang) for k in ("seg_device", "seg_clip", "seg_from", "seg_to", "seg_len", "seg_end")]
        rows = []
        for s in record["segments"]:
            through = [say("through", lang, what=c) for c in s["continued_through"]]
            end = s["ended_text"] + (say("semi", lang) + say("semi", lang).join(through) if through else "")
            rows.append(
                [s["device_name"], s["clip_label"], _t(s["from"]), _t(s["to"]), duration_text(s["duration_ms"]), end]
            )
        out.append(Block("table", headers=headers, rows=rows))
    else:
        out.append(Block("p", label("no_segments", lang)))
    if record.get("recording_files"):
        out.append(Block("h2", label("files", lang)))
        headers = [label(k, lang) for k in ("file", "seg_from", "seg_to", "bytes")] + ["SHA-256"]
        rows = [
            [str(f["file"]), _t(f["start"]), _t(f["end"]), str(f["bytes"]), str(f["sha256"])]
            for f in record["recording_files"]
        ]
        out.append(Block("table", headers=headers, rows=rows))
    out.append(Block("h2", label("interruptions", lang)))
    if record["interruptions"]:
        headers = [label(k, lang) for k in ("reason", "seg_from", "seg_to", "seg_len", "note", "by")]
        rows = [
            [i["label"], _t(i["from"]), _t(i["to"]), duration_text(i["duration_ms"]), _note(i, lang), i["by"]]
            for i in record["interruptions"]
        ]
        out.append(Block("table", headers=headers, rows=rows))
    else:
        out.append(Block("p", label("none", lang)))
    out.append(Block("h2", label("marks", lang)))
    if record["marks"]:
        headers = [label(k, lang) for k in ("mark_time", "mark_offset", "seat", "text", "by")]
        rows = [[_t(m["at"]), m["offset"], m["seat_name"] or "", m["text"], m["by"]] for m in record["marks"]]
        out.append(Block("table", headers=headers, rows=rows))
    else:
        out.append(Block("p", label("none", lang)))
    out.append(Block("h2", label("faults", lang)))
    if record["faults"]:
        headers = [label(k, lang) for k in ("fault_time", "fault_device", "fault_what", "fault_until", "fault_effect")]
        rows = []
        for f in record["faults"]:
            note = ""
            if f["raw"] is not None:
                note = say("raw_note", lang, n=f["raw"])
            rows.append([_t(f["from"]), f["device_name"], f["text"] + note, _t(f["to"]), f["effect"]])
        out.append(Block("table", headers=headers, rows=rows))
    else:
        out.append(Block("p", label("none", lang)))
    if record["rules"]:
        out.append(Block("h2", label("rules", lang)))
        rows = [
            [_t(x["at"]), _rule_kind(x, lang), x["device_name"] or "—", x["action"], x["reason"], x["by"]]
            for x in record["rules"]
        ]
        headers = [label("fault_time", lang), "", label("fault_device", lang), "", label("note", lang), by]
        out.append(Block("table", headers=headers, rows=rows))
    if record.get("live_stream"):
        out.append(Block("h2", label("live_stream", lang)))
        headers = [label("fault_time", lang), "", label("reason", lang), by]
        rows = [[_t(x["at"]), x["label"], x["reason"], x["by"]] for x in record["live_stream"]]
        out.append(Block("table", headers=headers, rows=rows))
    statement = record["failure_statement"]
    if statement:
        out.append(Block("h2", label("statement", lang)))
        out.append(Block("p", statement["basis"]))
        out.append(Block("p", statement["intro"]))
        out.append(Block("ol", rows=[[item] for item in statement["items"]]))
        out.append(Block("p", statement["closing"]))
        out.append(Block("sign", rows=[[s, label("date", lang)] for s in statement["signatures"]]))
    out.extend(_verification_blocks(record, lang))
    if record["appendix"]:
        out.append(Block("h2", label("appendix", lang)))
        out.append(Block("p", label("appendix_note", lang)))
        out.append(Block("ol", rows=[[f"{a['device_name']}{sep}{a['raw']}"] for a in record["appendix"]]))
    out.append(Block("p", label("generated", lang)))
    return out


def _rule_kind(rule: dict[str, Any], lang: Lang) -> str:
    return say(f"rule_kind.{rule['kind']}", lang)


def _verification_blocks(record: dict[str, Any], lang: Lang) -> list[Block]:
    v = record.get("verification")
    out = [Block("h2", label("verification", lang))]
    if v is None:
        out.append(Block("p", say("verify.unverified", lang)))
        return out
    if not v["ok"]:
        where = say("verify.row", lang, seq=v["bad_seq"]) if v["bad_seq"] else ""
        out.append(Block("p", say("verify.failed", lang) + where + v["problem"]))
        return out
    rows = [
        [say("verify.rows", lang), str(v["rows"])],
        [say("verify.head", lang), f"#{v['head_seq']} {v['head_hash']}"],
        [say("verify.checkpoints", lang), say("verify.checkpoints_value", lang, n=v["checkpoints"], key=v["key"])],
    ]
    for key in ("hearing_checkpoint", "last_checkpoint"):
        c = v.get(key)
        if c is not None:
            signed = say("verify.signed", lang, seq=c["seq"], hash=c["hash"], at=_t(c["signed"]))
            rows.append([say(f"verify.{key}", lang), signed])
    out.append(Block("kv", rows=rows))
    out.append(Block("p", say("verify.ok", lang)))
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(record: dict[str, Any]) -> str:
    lines: list[str] = []
    for b in blocks(record):
        if b.kind == "h1":
            lines += [f"# {b.text}", ""]
        elif b.kind == "h2":
            lines += [f"## {b.text}", ""]
        elif b.kind == "kv":
            colon = say("colon", record["lang"])
            lines += [f"- {k}{colon}{v}  " for k, v in b.rows] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            lines.append("|" + "---|" * len(b.headers))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "ol":
            lines += [f"{n}. {row[0]}" for n, row in enumerate(b.rows, 1)]
            lines.append("")
        elif b.kind == "sign":
            colon = say("colon", record["lang"])
            lines += [f"{who}{colon}____________________    {date}{colon}____________" for who, date in b.rows] + [""]
    return "\n".join(lines).rstrip() + "\n"


CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 10pt; color: #000; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 8pt; }
h2 { font-size: 12pt; border-bottom: 1px solid #444; margin: 14pt 0 6pt; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; page-break-inside: auto; }
th, td { border: 1px solid #666; padding: 3pt 4pt; vertical-align: top; text-align: left; word-break: break-all; }
th { background: #eee; }
td.nowrap { white-space: nowrap; word-break: normal; }
tr { page-break-inside: avoid; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2pt 10pt; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; word-break: break-all; }
.sign { margin-top: 18pt; line-height: 2.4; }
.sign span { display: inline-block; border-bottom: 1px solid #000; width: 55mm; }
.sign span.date { width: 32mm; }
"""


def render_html(record: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        f'<!doctype html><html lang="{"zh-CN" if record["lang"] == "zh" else "en"}"><head><meta '
        f'charset="utf-8"><title>{e(record["hearing_id"])}</title><style>{CSS}</style></head><body>'
    ]
    for b in blocks(record):
        if b.kind == "h1":
            parts.append(f"<h1>{e(b.text)}</h1>")
        elif b.kind == "h2":
            parts.append(f"<h2>{e(b.text)}</h2>")
        elif b.kind == "kv":
            parts.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in b.rows) + "</dl>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif b.kind == "p":
            parts.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "ol":
            items = "".join(f"<li>{e(row[0])}</li>" for row in b.rows)
            parts.append(f"<ol>{items}</ol>")
        elif b.kind == "sign":
            parts.append(
                '<div class="sign">'
                + "".join(
                    f'<div>{e(who)}：<span></span>　{e(date)}：<span class="date"></span></div>' for who, date in b.rows
                )
                + "</div>"
            )
    parts.append("</body></html>")
    return "".join(parts)


SHORT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d+:\d\d:\d\d|—)$")


def _cell(text: str) -> str:
    """A table cell; a time or a duration is kept on one line."""
    css = ' class="nowrap"' if SHORT.match(text) else ""
    return f"<td{css}>{html.escape(text)}</td>"


def chromium() -> str:
    """The chromium the project installs (``/usr/bin/chromium`` on Debian); RecordRenderError without one."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RecordRenderError("no chromium to print the PDF with (apt-get install chromium; `make demo` installs it)")


def _command(source: Path, out: Path) -> list[str]:
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        source.as_uri(),
    ]


def render_pdf(record: dict[str, Any], out: Path) -> Path:
    """Print the record's HTML to an A4 PDF at ``out`` with headless chromium (blocks: run it in a thread)."""
    with tempfile.TemporaryDirectory(prefix="courtroom-record-") as tmp:
        source = Path(tmp) / "record.html"
        source.write_text(render_html(record), encoding="utf-8")
        try:
            done = subprocess.run(
                _command(source, out),
                capture_output=True,
                timeout=PDF_TIMEOUT_S,
                check=False,
                env={"HOME": tmp, "PATH": "/usr/bin:/bin"},
            )
        except subprocess.TimeoutExpired:
            raise RecordRenderError(f"chromium did not print the PDF within {PDF_TIMEOUT_S:g} s") from None
        if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise RecordRenderError(f"chromium could not print {out}: exit {done.returncode}: {' / '.join(tail)}")
    return out


async def render_pdf_bytes(record: dict[str, Any]) -> bytes:
    """The PDF as bytes, printed in a thread (for the console's download)."""
    with tempfile.TemporaryDirectory(prefix="courtroom-pdf-") as tmp:
        out = Path(tmp) / "record.pdf"
        await asyncio.to_thread(render_pdf, record, out)
        return await asyncio.to_thread(out.read_bytes)
