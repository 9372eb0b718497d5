"""The software recording's files in the case-file record: one row per sealed segment, from the journal
(``controller/hearing/record.py`` lists them; ``record_render.py`` writes the table)."""

from __future__ import annotations

from typing import Any

from controller.journal import Entry


def segment_row(entry: Entry) -> dict[str, Any]:
    """A ``recording_segment`` journal row as the record lists it."""
    d = entry.data
    return {
        k: d.get(k) for k in ("recorder", "stream", "index", "clip", "file", "sha256", "bytes", "start_ts", "end_ts")
    }
