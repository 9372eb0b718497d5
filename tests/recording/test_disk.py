"""A disk that fills, for real: a small tmpfs as the store; the forecast warns, then the critical alarm."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.recording.conftest import RecordingCourt


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 24 MB tmpfs: a full disk is ENOSPC, as on a control PC."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mount_cmd = ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)]
    done = subprocess.run(mount_cmd, check=False, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def recorder_changes(small_disk: Path) -> dict[str, Any]:
    # a nominal 36 MB an hour until a rate is measured (30 s): 23 MB free is about 38 min; warn below an hour
    return {"store": str(small_disk / "store"), "reserve_mb": 1, "nominal_mbph": 36, "forecast_warn_s": 3600}


async def test_the_disk_forecast_warns_then_the_critical_alarm_comes(court: RecordingCourt, small_disk: Path) -> None:
    rec = court.recorder
    assert rec.store.parent == small_disk
    await court.hearing.execute("open", {"case_no": "D-1"}, "clerk")
    await court.until(lambda: "disk_forecast:rec-soft" in court.alarms(), 10, "the forecast warning")
    forecast = court.alarms()["disk_forecast:rec-soft"]
    assert forecast.severity == "warning" and "min left at this rate" in forecast.message
    assert "disk_low:rec-soft" not in court.alarms()  # above the room's 30 min headroom yet
    filler = small_disk / "filler"
    fill = ["dd", "if=/dev/zero", f"of={filler}", "bs=1M", "count=20"]
    await asyncio.to_thread(subprocess.run, fill, check=True, capture_output=True)
    await court.until(lambda: "disk_low:rec-soft" in court.alarms(), 10, "the critical alarm")
    assert court.alarms()["disk_low:rec-soft"].severity == "critical"
    await court.hearing.execute("close", {}, "clerk")
