"""RecordingService: what the controller does with a software recorder's segments, and the alarms it adds.

For each ``segment_closed`` event: the segment goes into the hearing's manifest, which is re-signed with the
room's key and written (store, then backup); a ``recording_segment`` row chains its hash into the journal; then
the file is copied to the backup store and the copy verified by hash (``recording_backup`` row). A copy that
failed is retried every ``RETRY_S``. Copies (and the manifest's copy) run one at a time in a thread of their own,
never under the manifest's lock: a backup store that hangs (a NAS that stopped answering) holds only its copies,
which are then late, while segments are still sealed, journaled and the daemon's other work in threads goes on.
A restarted daemon goes on with the manifest on disk (it verifies with the room's key, or it is not rewritten)
and copies what the backup store still lacks; a stop waits for the sealing, and for copies only
``STOP_COPY_WAIT_S`` (the next start makes those that were cut off).
The watchdog asks ``alarms()``: a failed or late backup copy, the disk
forecast ("2 h 10 min left at this rate"), a stalled input or dropped frames are warnings; they never stop a
recording (a stopped recorder is the watchdog's own critical ``not_recording``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.events import DeviceEventRaised
from controller.hearing.service import HearingService
from controller.hearing.watchdog import Wanted
from controller.journal import Journal, Kind
from controller.model import DeviceEvent
from controller.recording.copier import Copier
from controller.recording.manifest import (
    MANIFESTS,
    RecordingError,
    canonical,
    load_manifest,
    manifest_path,
    new_manifest,
    sign,
    write_manifest,
)
from controller.room import Room
from controller.signing import RoomKey, verify_signature
from drivers.devices.events import DeviceEventName
from drivers.recording.device import SoftwareRecorder
from drivers.recording.engine import SEATS
from drivers.recording.sealer import READ_ONLY, sha256_file

log = logging.getLogger(__name__)

RETRY_S = 10.0
STOP_COPY_WAIT_S = 10.0  # a stop waits this long for backup copies (a hung backup store must not hold it)


def copy_verified(src: Path, dst: Path, sha256: str) -> None:
    """Copy ``src`` to ``dst`` (never over another file), sync it, and check the copy's hash; read-only after."""
    if dst.exists():
        digest, _ = sha256_file(dst)
        if digest == sha256:
            return
        raise RecordingError(f"{dst} exists with another content: a backup is never overwritten")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.part")
    shutil.copyfile(src, tmp)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    digest, _ = sha256_file(tmp)
    if digest != sha256:
        tmp.unlink(missing_ok=True)
        raise RecordingError(f"the copy {dst} has SHA-256 {digest}, not the sealed {sha256}")
    tmp.replace(dst)
    dst.chmod(READ_ONLY)


def left(seconds: int) -> str:
    """``2 h 10 min`` (or ``7 min``)."""
    hours, minutes = divmod(max(0, seconds) // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@dataclass
class Pending:
    """A closed segment whose verified backup copy has not been made yet."""

    recorder: str
    hearing_id: str
    file: str
    sha256: str
    closed_at: float  # monotonic
    error: str | None = None


class RecordingService:
    """Seals, journals and backs up every software recorder's segments; adds its alarms to the watchdog."""

    def __init__(self, room: Room, hearing: HearingService, journal: Journal | None, key: RoomKey) -> None:
        self.room = room
        self.hearing = hearing
        self.journal = journal
        self.key = key
        self.recorders: dict[str, SoftwareRecorder] = {}
        for device_id in room.ids_of_kind("recorder"):
            device = room.device(device_id)
            if isinstance(device, SoftwareRecorder):
                device.label.room = room.config.room.name or room.room_id
                device.label.zone = room.config.room.zone
                device.case_source = lambda: hearing.case_no
                self.recorders[device_id] = device
        self.manifests: dict[tuple[str, str], dict[str, Any] | None] = {}  # None: on disk, not ours to rewrite
        self.pending: dict[tuple[str, str], Pending] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # sealing
        self._copies: set[asyncio.Task[None]] = set()  # backup copies (a hung backup store never holds a stop)
        self._retry: asyncio.Task[None] | None = None
        self._copier = Copier()  # a daemon thread: a copy stuck on a hung backup store never holds the exit
        if self.recorders:
            room.bus.subscribe("recording", DeviceEventRaised, lambda e: self._device_event(e.device_id, e.event))
            hearing.watchdog.sources.append(self.alarms)

    # -- life ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.recorders:
            self._retry = asyncio.create_task(self._retry_loop(), name="recording-backup-retry")
            self._spawn(self._copies, self._resume_copies(), "recording-backup-resume")

    async def stop(self) -> None:
        """Finish the segments being sealed (a stopping recorder closes its last ones first)."""
        self.room.bus.unsubscribe("recording")
        if self._retry is not None:
            self._retry.cancel()
            await asyncio.gather(self._retry, return_exceptions=True)
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._copies:
            _, cut = await asyncio.wait(set(self._copies), timeout=STOP_COPY_WAIT_S)
            if cut:
                log.warning("recording: %d backup copies unfinished at the stop; the next start makes them", len(cut))
                for task in cut:
                    task.cancel()
        self._copier.close()

    async def settle(self) -> None:
        """Wait for the segments being sealed and copied (tests)."""
        while self._tasks or self._copies:
            await asyncio.gather(*self._tasks, *self._copies, return_exceptions=True)

    def _spawn(self, tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # -- segments --------------------------------------------------------------------------------------------
    def _device_event(self, device_id: str, event: DeviceEvent) -> None:
        if device_id in self.recorders and event.event == DeviceEventName.SEGMENT_CLOSED:
            hearing_id = self.hearing.hearing_id or f"{self.room.room_id}-no-hearing"
            self._spawn(self._tasks, self._seal(device_id, hearing_id, dict(event.data)), f"seal:{device_id}")

    async def _seal(self, recorder: str, hearing_id: str, data: dict[str, Any]) -> None:
        device = self.recorders[recorder]
        segment = {
            "recorder": recorder,
            **{k: data.get(k) for k in ("stream", "index", "clip", "file", "sha256", "bytes", "start_ts", "end_ts")},
            "complete": bool(data.get("complete", True)),
            "backup": None,
        }
        async with self._locks.setdefault(hearing_id, asyncio.Lock()):
            manifest = await self._manifest(device, hearing_id)
            if manifest is not None:
                manifest["segments"].append(segment)
                await self._write(device, hearing_id, manifest)
            if self.journal is not None:  # the journal's row chains the hash whatever became of the manifest
                await self.journal.append(Kind.RECORDING_SEGMENT, segment, actor=recorder, hearing_id=hearing_id)
        if device.backup is not None:
            key = (recorder, str(segment["file"]))
            self.pending[key] = Pending(
                recorder, hearing_id, str(segment["file"]), str(segment["sha256"]), time.monotonic()
            )
            self._spawn(self._copies, self._back_up(key), f"backup:{recorder}")

    async def _manifest(self, device: SoftwareRecorder, hearing_id: str) -> dict[str, Any] | None:
        """The hearing's manifest: the one this run keeps, else the one on disk (a daemon restarted mid-hearing
        goes on with it, never over it), else a new one. None when the file on disk cannot be read or does not
        verify with the room's key: it is left as it is, said in the log, and the journal keeps the hashes."""
        key = (str(device.store), hearing_id)
        if key not in self.manifests:
            try:
                self.manifests[key] = await asyncio.to_thread(self._on_disk, device.store, hearing_id)
            except RecordingError as exc:
                log.error("recording: %s; its segments are in the journal only", exc)
                self.manifests[key] = None
        return self.manifests[key]

    def _on_disk(self, store: Path, hearing_id: str) -> dict[str, Any]:
        path = manifest_path(store, hearing_id)
        if not path.exists():
            return new_manifest(hearing_id, self.room.room_id, self.hearing.case_no, self.key)
        manifest = load_manifest(path)
        signature = manifest.get("signature")
        if not isinstance(signature, str) or not verify_signature(self.key.public, canonical(manifest), signature):
            raise RecordingError(f"manifest {path} does not verify with the room's key: not rewritten")
        return manifest

    async def _resume_copies(self) -> None:
        """At start: every sealed segment of the stores' manifests that the backup store lacks is copied (a stop
        or a crash cut those copies off)."""
        for recorder, device in self.recorders.items():
            if device.backup is None:
                continue
            found = await asyncio.to_thread(self._unbacked, recorder, device.store)
            for hearing_id, segment in found:
                key = (recorder, str(segment["file"]))
                self.pending[key] = Pending(
                    recorder, hearing_id, str(segment["file"]), str(segment["sha256"]), time.monotonic()
                )
                await self._back_up(key)

    def _unbacked(self, recorder: str, store: Path) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for path in sorted((store / MANIFESTS).glob("*.json")):
            try:
                manifest = load_manifest(path)
            except RecordingError as exc:
                log.warning("recording: %s", exc)
                continue
            for segment in manifest["segments"]:
                if segment.get("recorder") == recorder and not segment.get("backup") and segment.get("sha256"):
                    out.append((str(manifest.get("hearing_id", path.stem)), segment))
        return out

    async def _write(self, device: SoftwareRecorder, hearing_id: str, manifest: dict[str, Any]) -> None:
        sign(manifest, self.key)
        snapshot = {**manifest, "segments": [dict(s) for s in manifest["segments"]]}
        await asyncio.to_thread(write_manifest, manifest_path(device.store, hearing_id), snapshot)

    async def _back_up(self, key: tuple[str, str]) -> None:
        pending = self.pending.get(key)
        device = self.recorders[key[0]]
        if pending is None or device.backup is None:
            return
        src, dst = device.store / pending.file, device.backup / pending.file
        try:
            await self._in_backup(copy_verified, src, dst, pending.sha256)
        except (OSError, RecordingError) as exc:
            pending.error = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
            self._record(Kind.RECORDING_BACKUP, {"file": pending.file, "ok": False, "error": pending.error}, pending)
            return
        self.pending.pop(key, None)  # (a copy resumed at start may race the sealing's own)
        self._record(Kind.RECORDING_BACKUP, {"file": pending.file, "ok": True, "sha256": pending.sha256}, pending)
        async with self._locks.setdefault(pending.hearing_id, asyncio.Lock()):
            manifest = await self._manifest(device, pending.hearing_id)
            if manifest is None:
                return
            for segment in manifest["segments"]:
                if segment["file"] == pending.file and segment["recorder"] == pending.recorder:
                    segment["backup"] = {"verified": True, "ts": int(time.time() * 1000)}
            await self._write(device, pending.hearing_id, manifest)
            snapshot = {**manifest, "segments": [dict(s) for s in manifest["segments"]]}
        with contextlib.suppress(OSError):  # the manifest's copy (outside the lock); the next segment tries again
            await self._in_backup(write_manifest, manifest_path(device.backup, pending.hearing_id), snapshot)

    async def _in_backup(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the backup store in the copier's thread (one at a time, in the order asked)."""
        await self._copier.run(fn, *args)

    def _record(self, kind: Kind, data: dict[str, Any], pending: Pending) -> None:
        if self.journal is not None:
            self.journal.record(kind, data, actor=pending.recorder, hearing_id=pending.hearing_id)

    async def _retry_loop(self) -> None:
        while True:
            await asyncio.sleep(RETRY_S)
            for key in [k for k, p in self.pending.items() if p.error is not None]:
                await self._back_up(key)

    # -- alarms (the watchdog calls this on every evaluation) --------------------------------------------------
    def alarms(self, expect_recording: bool, in_session: bool) -> Wanted:
        wanted: Wanted = {}
        now = time.monotonic()
        for pending in self.pending.values():
            rec = pending.recorder
            late_s = self.recorders[rec].options.backup_late_s
            if pending.error is not None:
                message = f"{rec}: backup copy of {pending.file} failed: {pending.error}"
                wanted.setdefault(f"backup_failed:{rec}", ("backup_failed", "warning", rec, message))
            elif now - pending.closed_at > late_s:
                message = f"{rec}: {pending.file} not yet copied to the backup store after {late_s:g} s"
                wanted.setdefault(f"backup_late:{rec}", ("backup_late", "warning", rec, message))
        if not expect_recording:
            return wanted
        for rec, device in self.recorders.items():
            if not self.room.online(rec):
                continue
            remaining = device.state.remaining_s
            if remaining is not None and remaining < device.options.forecast_warn_s:
                message = f"{rec}: {left(remaining)} left at this rate on {device.store}"
                wanted[f"disk_forecast:{rec}"] = ("disk_forecast", "warning", rec, message)
            if device.state.transport != "record":
                continue
            for stream, counters in device.snapshot().get("streams", {}).items():
                if counters.get("stalled"):
                    if stream == SEATS:
                        message = f"{rec}: audio input {device.options.audio} sends nothing: silence is recorded"
                    else:
                        message = f"{rec}: video input {stream} sends nothing: black is recorded"
                    wanted[f"recording_input_stalled:{rec}:{stream}"] = (
                        "recording_input_stalled",
                        "warning",
                        rec,
                        message,
                    )
                if counters.get("dropped") or counters.get("audio_lost_ms"):
                    lost = [f"{counters['dropped']} frames"] if counters.get("dropped") else []
                    if counters.get("audio_lost_ms"):
                        lost.append(f"{counters['audio_lost_ms'] / 1000:g} s of sound")
                    message = f"{rec}: {' and '.join(lost)} of {stream} dropped (the encoder falls behind)"
                    wanted[f"frames_dropped:{rec}:{stream}"] = ("frames_dropped", "warning", rec, message)
        return wanted
