"""The software recording's files in the case-file record: one row per sealed segment, from the journal."""

from __future__ import annotations

import time
from typing import Any

from controller.journal import Entry


def segment_row(entry: Entry) -> dict[str, Any]:
    """A ``recording_segment`` journal row as the record lists it."""
    d = entry.data
    return {
        k: d.get(k) for k in ("recorder", "stream", "index", "clip", "file", "sha256", "bytes", "start_ts", "end_ts")
    }


def render_files(files: list[dict[str, Any]]) -> list[str]:
    """The record's section on the software recording's files (Markdown lines)."""

    def fmt(ts: object) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts / 1000)) if isinstance(ts, int) else "—"

    lines = ["", "## 录像文件 Recording files (SHA-256, signed manifest)", ""]
    if not files:
        return [*lines, "无 None."]
    lines += ["| 文件 file | 开始 from | 结束 to | 字节 bytes | SHA-256 |", "|---|---|---|---|---|"]
    lines += [
        f"| {f['file']} | {fmt(f['start_ts'])} | {fmt(f['end_ts'])} | {f['bytes']} | `{f['sha256']}` |" for f in files
    ]
    return lines
