"""The software recording in `courtroom demo`: wait until the hearing's files are sealed and backed up, then show
what `courtroom recording list` and `verify` say about them (the real commands, in their own processes)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from controller.config import load_config
from controller.recording.manifest import RecordingError, find_manifests, load_manifest
from controller.recording.stores import recording_stores


def settled(config_path: Path, hearing_id: str) -> bool:
    """Every file the recorders wrote for the hearing is in its signed manifest and, where a backup store is
    configured, copied there and verified: the recording as the record should show it."""
    config = load_config(config_path)
    for store, backup in recording_stores(config).values():
        paths = list(find_manifests([store], hearing_id))
        if not paths:
            return False
        try:
            segments = {str(s["file"]): s for s in load_manifest(paths[0])["segments"]}
        except RecordingError:
            return False  # being replaced this moment
        clips = {name.split("/", 1)[0] for name in segments}
        written = {f"{clip}/{p.name}" for clip in clips for p in (store / clip).iterdir() if p.is_file()}
        if not written <= segments.keys():
            return False
        if backup is not None and not all(s.get("backup") for s in segments.values()):
            return False
    return True


async def wait_settled(config_path: Path, hearing_id: str, timeout: float = 20.0) -> bool:
    """Poll :func:`settled` (in a thread: it reads files) until true or ``timeout``; False says it was not."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(settled, config_path, hearing_id):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.25)
    return True


async def recording_command(config_path: Path, verb: str, hearing_id: str, lang: str) -> tuple[int, list[str]]:
    """``courtroom recording VERB HEARING`` in a process of its own: its exit status and its lines."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        "recording",
        verb,
        hearing_id,
        "--config",
        str(config_path),
        "--lang",
        lang,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return int(proc.returncode or 0), out.decode("utf-8", "replace").splitlines()
