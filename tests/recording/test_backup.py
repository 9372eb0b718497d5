"""A backup store that fails: a warning, journaled, and the recording goes on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.recording.conftest import RecordingCourt


@pytest.fixture
def recorder_changes() -> dict[str, Any]:
    return {"backup": "not-a-folder/backup"}  # beside the store: a file stands where the folder should be


async def test_a_failed_backup_copy_is_a_warning_and_the_recording_goes_on(court: RecordingCourt) -> None:
    rec = court.recorder
    blocker = rec.store.parent / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    await court.hearing.execute("open", {"case_no": "B-1"}, "clerk")
    await court.until(lambda: "backup_failed:rec-soft" in court.alarms(), 10, "the backup warning")
    alarm = court.alarms()["backup_failed:rec-soft"]
    assert alarm.severity == "warning" and "backup copy of" in alarm.message
    assert rec.state.transport == "record" and court.hearing.state().recording == "recording"
    await court.hearing.execute("close", {}, "clerk")
    await court.recording.settle()
    await court.journal.flush()
    rows = [e for e in await court.journal.entries() if e.kind == "recording_backup"]
    assert rows and not rows[0].data["ok"] and "NotADirectoryError" in rows[0].data["error"]
