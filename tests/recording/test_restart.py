"""A daemon restarted mid-hearing goes on with the hearing's signed manifest (it used to start a new one and
write it over the old, so the segments sealed before the restart left the manifest), and copies what the
backup store lacks; a manifest that does not verify with the room's key is left as it is."""

from __future__ import annotations

import json
from pathlib import Path

from controller.recording.manifest import canonical, load_manifest, manifest_path, sign
from controller.recording.service import RecordingService
from controller.signing import RoomKey, verify_signature
from tests.recording.conftest import RecordingCourt


async def _segment(court: RecordingCourt) -> None:
    """A recess and a resume: the recorder closes a segment per stream."""
    rec = court.recorder
    await court.until(lambda: rec.snapshot()["streams"]["composite"]["frames"] >= 25, 10, "frames")
    await court.hearing.execute("interrupt", {"reason": "recess"}, "clerk")
    await court.until(lambda: rec.state.transport == "stopped", 5, "stopped")
    await court.hearing.execute("resume", {}, "clerk")
    await court.until(lambda: rec.state.transport == "record", 5, "recording again")


async def _recorded(court: RecordingCourt, case_no: str) -> str:
    """A hearing opened and a segment per stream sealed and backed up: its id."""
    opened = await court.hearing.execute("open", {"case_no": case_no}, "clerk")
    await court.until(lambda: court.recorder.state.transport == "record", 5, "recording")
    await _segment(court)
    await court.recording.settle()
    return str(opened["hearing_id"])


def _alter(path: Path) -> str:
    """Change the manifest on disk without signing it again: what a tamperer without the room's key can do."""
    path.chmod(0o644)
    edited = path.read_text().replace('"complete": true', '"complete": false', 1)
    assert edited != path.read_text()
    path.write_text(edited)
    return edited


def _read(path: Path) -> str:
    return path.read_text()


def _restart(court: RecordingCourt, key: RoomKey) -> RecordingService:
    service = RecordingService(court.room, court.hearing, court.journal, key)
    service.start()
    court.recording = service
    return service


async def test_a_restarted_service_keeps_the_manifest_and_copies_what_the_backup_lacks(
    court: RecordingCourt,
) -> None:
    rec, key = court.recorder, RoomKey.load(court.room.config.signing_key_path)
    hearing_id = await _recorded(court, "(2026)京0105民初7001号")
    path = manifest_path(rec.store, hearing_id)
    before = [s["file"] for s in load_manifest(path)["segments"]]
    assert before and all(s["backup"] for s in load_manifest(path)["segments"])

    # the daemon's recording service stops and a new one starts (as after a restart); meanwhile one backup copy
    # is lost (the stop cut it off): the manifest says so, signed, and the copy is gone
    await court.recording.stop()
    manifest = load_manifest(path)
    lost = manifest["segments"][0]
    lost["backup"] = None
    path.chmod(0o644)
    path.write_text(json.dumps(sign(manifest, key)))
    (rec.backup / lost["file"]).unlink()  # type: ignore[operator]
    service = _restart(court, key)
    try:
        await _segment(court)
        await service.settle()
        await court.hearing.execute("close", {}, "clerk")
        await service.settle()
    finally:
        await service.stop()
    after = load_manifest(path)
    files = [s["file"] for s in after["segments"]]
    assert files[: len(before)] == before and len(files) > len(before)  # the earlier segments stayed
    assert verify_signature(key.public, canonical(after), after["signature"])
    assert all(s["backup"] for s in after["segments"])  # the lost copy was made again at the start
    assert (rec.backup / lost["file"]).is_file()  # type: ignore[operator]


async def test_a_manifest_that_does_not_verify_is_not_rewritten(court: RecordingCourt) -> None:
    rec, key = court.recorder, RoomKey.load(court.room.config.signing_key_path)
    hearing_id = await _recorded(court, "(2026)京0105民初7002号")
    await court.recording.stop()
    path = manifest_path(rec.store, hearing_id)
    edited = _alter(path)
    service = _restart(court, key)
    try:
        await _segment(court)
        await service.settle()
        await court.hearing.execute("close", {}, "clerk")
    finally:
        await service.stop()
    assert _read(path) == edited  # left as it was found: the evidence of the change stays
    await court.journal.flush()
    rows = [e for e in await court.journal.entries() if e.kind == "recording_segment" and e.hearing_id == hearing_id]
    assert len(rows) > len(load_manifest(path)["segments"])  # the journal has the segments sealed after it
