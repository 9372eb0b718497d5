"""Every alarm kind the controller can raise reads as plain words in the case-file record, in both languages:
no raw kind ('backup_failed') and no device id in the faults table, and the software recording's lost pictures
or sound go into the Art.4 statement."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from controller.hearing.ledger import AlarmSpan, HearingLedger
from controller.hearing.record_faults import RecordContext
from controller.model import ALARM_KINDS

NAMES = {"rec-soft": "软件录像单元", "mic-levels": "话筒电平"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(ALARM_KINDS))
def test_every_alarm_kind_is_plain_words_in_the_record(kind: str, lang: str) -> None:
    context = RecordContext(HearingLedger(), lang, ZoneInfo("Asia/Shanghai"), NAMES, end=1_000_000)  # type: ignore[arg-type]
    device = None if kind.startswith("journal_") else "rec-soft"
    span = AlarmSpan(f"{device}:{kind}:judge", kind, "warning", device, f"{kind}: raw driver text", 1_000, 9_000)
    line = context.alarm(span)
    shown = " ".join(str(line[k]) for k in ("text", "effect"))
    assert kind not in shown and "rec-soft" not in shown, (kind, lang, shown)
    if device is not None and kind != "recorder_unreachable":
        assert NAMES[device] in shown, (kind, shown)
    if kind in ("recording_input_stalled", "frames_dropped"):
        assert line["affects_recording"] is True
    if kind in ("backup_failed", "backup_late", "disk_forecast", "journal_space_low"):
        assert line["affects_recording"] is False
