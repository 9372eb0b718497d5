"""A backup store that hangs, for real: an ext4 file system on a loop device, frozen with fsfreeze (every write to
it blocks, as on a NAS that stopped answering). The copies wait: past ``backup_late_s`` that is the ``backup_late``
warning (not a failure); the recording goes on and stops as asked, however many copies wait; thawed, every copy
is made and verified and the warning clears."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.recording.manifest import load_manifest, manifest_path
from tests.recording.conftest import RecordingCourt

LATE_S = 1.0


def run(*cmd: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(cmd), check=False, capture_output=True)


@pytest.fixture
def backup_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 MB ext4 file system (a loop device: needs root), mounted for the backup store."""
    image, mount = tmp_path / "backup.img", tmp_path / "backup-disk"
    mount.mkdir()
    with image.open("wb") as handle:
        handle.truncate(16 << 20)
    made = run("mkfs.ext4", "-q", "-F", str(image))
    if made.returncode != 0:
        pytest.skip(f"cannot make an ext4 file system here: {made.stderr.decode().strip()}")
    mounted = run("mount", "-o", "loop", str(image), str(mount))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a loop device here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        run("fsfreeze", "--unfreeze", str(mount))  # never leave a frozen file system behind
        run("umount", "-l", str(mount))


@pytest.fixture
def recorder_changes(backup_disk: Path) -> dict[str, Any]:
    return {"backup": str(backup_disk / "backup"), "backup_late_s": LATE_S, "segment_s": 1}


class Freezer:
    """fsfreeze on one mount; thawed at the end of the test whatever happened (a frozen copy blocks for ever). A
    child process, not a thread: the threads the loop lends out may be the ones the frozen copies hold."""

    def __init__(self, mount: Path) -> None:
        self.mount = mount

    async def _fsfreeze(self, how: str) -> tuple[int, str]:
        child = await asyncio.create_subprocess_exec(
            "fsfreeze", how, str(self.mount), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        _, err = await child.communicate()
        return await child.wait(), err.decode().strip()

    async def freeze(self) -> None:
        code, err = await self._fsfreeze("--freeze")
        if code != 0:
            pytest.skip(f"cannot freeze {self.mount}: {err}")

    async def thaw(self) -> None:
        await self._fsfreeze("--unfreeze")


@pytest.fixture
async def freezer(court: RecordingCourt, backup_disk: Path) -> AsyncIterator[Freezer]:
    """Torn down before the court (it depends on it): the recording service's last copies can finish."""
    freezer = Freezer(backup_disk)
    try:
        yield freezer
    finally:
        await freezer.thaw()


async def test_a_backup_copy_that_hangs_is_late_the_recording_goes_on_and_the_copy_is_made_once_it_answers(
    court: RecordingCourt, freezer: Freezer
) -> None:
    rec = court.recorder
    assert rec.backup is not None
    await freezer.freeze()
    opened = await court.hearing.execute("open", {"case_no": "B-2"}, "clerk")
    await court.until(lambda: "backup_late:rec-soft" in court.alarms(), 10, "the late-backup warning")
    alarm = court.alarms()["backup_late:rec-soft"]
    assert alarm.severity == "warning"
    assert f"not yet copied to the backup store after {LATE_S:g} s" in alarm.message
    assert "backup_failed:rec-soft" not in court.alarms(), "a copy that waits has not failed"
    assert rec.state.transport == "record" and court.hearing.state().recording == "recording"

    # more copies wait than the loop has threads to lend (4 streams, a segment a second): the daemon's other work
    # in threads goes on, and the hearing closes and the recorder stops while the store still hangs
    threads = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor
    await court.until(lambda: len(court.recording.pending) > threads, 15, f"more than {threads} copies waiting")
    await asyncio.wait_for(asyncio.to_thread(lambda: None), 5)
    await court.hearing.execute("close", {}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 10, "the recorder stopped")
    waiting = [p.file for p in court.recording.pending.values()]
    assert all(p.error is None for p in court.recording.pending.values())
    assert not any((rec.backup / file).exists() for file in waiting)
    assert "backup_late:rec-soft" in court.alarms(), "late copies are warned about after the hearing too"

    await freezer.thaw()
    await court.recording.settle()
    await court.until(lambda: "backup_late:rec-soft" not in court.alarms(), 5, "the warning cleared")
    await court.journal.flush()
    assert not court.recording.pending
    for file in waiting:  # every copy that waited was made and verified
        assert (rec.backup / file).read_bytes() == (rec.store / file).read_bytes()
    rows = [e.data for e in await court.journal.entries(opened["hearing_id"]) if e.kind == "recording_backup"]
    assert {r["file"] for r in rows if r["ok"]} >= set(waiting)
    assert all(r["ok"] for r in rows), "no copy failed: they were only late"
    manifest = load_manifest(manifest_path(rec.backup, opened["hearing_id"]))
    assert all(s["backup"] and s["backup"]["verified"] for s in manifest["segments"])
