"""A disk that fills, for real: a small tmpfs as the store; the forecast warns, then the critical alarm. The forecast
is the free space over the nominal rate until ``measure_after_s``, then over the rate the recording really writes."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.recording.service import left
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
def forecast() -> dict[str, Any]:
    # a nominal 36 MB an hour until a rate is measured (30 s): 23 MB free is about 38 min; warn below an hour
    return {"nominal_mbph": 36, "forecast_warn_s": 3600}


@pytest.fixture
def recorder_changes(small_disk: Path, forecast: dict[str, Any]) -> dict[str, Any]:
    return {"store": str(small_disk / "store"), "reserve_mb": 1, **forecast}


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


# nominally 10 kB an hour: 23 MB would last for years, far above the hour the warning starts at; after a second the
# rate the small test room really writes (its cameras, composite and seat tracks) leaves a few minutes. A file
# grows a fragment (a keyframe interval) at a time: short ones, so the size on disk follows the recording closely
MEASURED = {"nominal_mbph": 0.01, "forecast_warn_s": 3600, "measure_after_s": 1.0, "gop_s": 0.5}


@pytest.mark.parametrize("forecast", [MEASURED], ids=["measured"])
async def test_the_forecast_uses_the_measured_rate_once_it_is_measured(court: RecordingCourt) -> None:
    rec = court.recorder
    reserve = rec.options.reserve_mb << 20
    free = shutil.disk_usage(rec.store).free
    nominal_s = (free - reserve) / (MEASURED["nominal_mbph"] * 1e6 / 3600)
    assert rec.state.remaining_s == pytest.approx(nominal_s, rel=0.01), "before a recording: the nominal rate"
    await court.hearing.execute("open", {"case_no": "D-2"}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording")
    started = time.monotonic()
    await court.until(lambda: "disk_forecast:rec-soft" in court.alarms(), 10, "the forecast warning")
    first = rec.state.remaining_s  # what the warning was raised on (its text stays until it clears)
    assert first is not None and first < MEASURED["forecast_warn_s"]
    alarm = court.alarms()["disk_forecast:rec-soft"]
    assert alarm.severity == "warning" and f"{left(first)} left at this rate" in alarm.message

    # at the next forecast (a poll), what the recording really wrote so far over the time it took: the forecast's
    # rate, within what the moments of the two readings and the fragment being written make differ
    before = rec.state.remaining_s
    await court.until(lambda: rec.state.remaining_s != before, 5, "the next forecast")
    remaining = rec.state.remaining_s
    assert remaining is not None
    written = sum(f.stat().st_size for f in (rec.store / str(rec.state.clip)).iterdir())
    rate = written / (time.monotonic() - started)
    expected = (shutil.disk_usage(rec.store).free - reserve) / rate
    assert 0.9 < remaining / expected < 1.1, f"{remaining} s left, the rate written gives {expected:.0f} s"
    await court.hearing.execute("close", {}, "clerk")
