"""A software recording (files on a share) counts as recording only while its newest file grows."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from tests.hearing.conftest import EXAMPLE, Court


@pytest.fixture
def room_source(tmp_path: Path) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["hearing"]["recording_folders"] = [{"path": str(tmp_path / "rec"), "name": "host-a", "stall_s": 1.0}]
    out = tmp_path / "room-source.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


@contextlib.asynccontextmanager
async def growing(path: Path) -> AsyncIterator[None]:
    """A file that grows every 0.2 s while the block runs (a recording host writing)."""

    async def write() -> None:
        while True:
            await asyncio.to_thread(lambda: path.open("ab").write(b"\0" * 4096))
            await asyncio.sleep(0.2)

    task = asyncio.create_task(write())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _folder_alarm(court: Court) -> bool:
    return any(a.id == "not_recording:host-a" for a in court.hearing.watchdog.alarms)


async def test_a_stalled_recording_file_is_not_recording(court: Court, tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    clip = tmp_path / "rec" / "case-1.mp4"
    async with growing(clip):
        await court.hearing.execute("open", {"case_no": "SW-1"}, "clerk:wang")
        await asyncio.sleep(1.6)
        assert not _folder_alarm(court)
    await court.until(lambda: _folder_alarm(court), 4, "the stalled-file alarm")
    alarm = next(a for a in court.hearing.watchdog.alarms if a.id == "not_recording:host-a")
    assert alarm.severity == "critical" and "case-1.mp4 has not grown" in alarm.message
    assert court.hearing.state().recording == "not_recording"  # the recorders record, the software host does not
    async with growing(clip):
        await court.until(lambda: not _folder_alarm(court), 4, "the alarm cleared when the file grows")
    await court.hearing.execute("close", {}, "clerk:wang")
