"""`courtroom sim` and `courtroom run` as two processes, as on site: the daemon's software recorder records the
simulator's live MJPEG cameras and its microphones fed through a pipe, from open to close of a hearing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import av
import numpy as np
import pytest
import yaml

from controller.localbroker import LocalBroker
from controller.recording.manifest import load_manifest, manifest_path
from sim.audio import alsa_env
from tests.conftest import REPO
from tests.e2e.conftest import ROOM_ID, ROOM_PASSWORD, Daemon, Watcher, end_process

RECORDING_ROOM = REPO / "tests" / "recording" / "room.yaml"


@pytest.fixture
async def live_sim(tmp_path: Path) -> AsyncIterator[tuple[Path, Path]]:
    """`courtroom sim` (live cameras and microphones) in its own process; yields (emitted config, run folder)."""
    source = tmp_path / "room-source.yaml"
    data = yaml.safe_load(RECORDING_ROOM.read_text(encoding="utf-8"))
    data["room"]["id"] = ROOM_ID
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    emitted, run_dir = tmp_path / "room.yaml", tmp_path / "sim"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "sim", str(source), "--emit-config", str(emitted),
        "--run-dir", str(run_dir), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 20)) for _ in data["devices"]]
        assert {line["device"] for line in lines} == {d["id"] for d in data["devices"]}
        yield emitted, run_dir
    finally:
        await end_process(proc)
    assert proc.returncode == 0, "the simulator stops cleanly on SIGTERM"


async def test_a_hearing_is_recorded_from_a_simulator_in_another_process(
    tmp_path: Path,
    live_sim: tuple[Path, Path],
    broker: LocalBroker,
    watcher: Watcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, run_dir = live_sim
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    cameras = [d["transport"]["port"] for d in data["devices"] if d["kind"] == "video_input"]
    assert cameras and all(p.startswith("video:http://127.0.0.1:") for p in cameras), "live cameras, not files"
    secret = tmp_path / "room-password"
    secret.write_text(ROOM_PASSWORD)
    data["broker"] = {"host": "127.0.0.1", "port": broker.port, "username": ROOM_ID, "password_file": str(secret)}
    data["state_dir"] = str(tmp_path / "state")
    data["console"] = {"port": 0}
    recorder = next(d for d in data["devices"] if d["id"] == "rec-soft")
    recorder["options"]["backup"] = str(tmp_path / "backup")
    store = Path(recorder["transport"]["port"].removeprefix("dir:"))
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for key, value in alsa_env(run_dir).items():  # the daemon finds the simulator's microphones by name
        monkeypatch.setenv(key, value)

    daemon = Daemon(config, log_path=tmp_path / "daemon.log")
    await daemon.start()
    try:
        for device in ("video-judge", "video-witness", "mics", "rec-soft"):
            await watcher.wait_for(f"{device}/availability", lambda p: p["state"] == "online", timeout=30)
        opened = await watcher.request("hearing", "open", {"id": "o1", "case_no": "(2026)京0105民初77号"})
        assert opened["status"] == "ok", opened
        state = await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=15)
        hearing_id = state["hearing_id"]
        await watcher.wait_for("rec-soft/state", lambda p: p.get("transport") == "record", timeout=15)
        await asyncio.sleep(5)  # two 2 s segments of every stream
        mark = len(watcher.messages)  # rec-soft said "stopped" already before the hearing opened
        closed = await watcher.request("hearing", "close", {"id": "c1"})
        assert closed["status"] == "ok", closed
        await watcher.wait_for("rec-soft/state", lambda p: p.get("transport") == "stopped", timeout=15, start=mark)
        manifest = manifest_path(store, hearing_id)
        for _ in range(100):  # the last segments are sealed after the stop
            if manifest.exists() and {s["stream"] for s in load_manifest(manifest)["segments"]} >= {"seats"}:
                break
            await asyncio.sleep(0.1)
    finally:
        code = await daemon.stop()
    assert code == 0, daemon.log()

    segments = load_manifest(manifest)["segments"]
    assert {s["stream"] for s in segments} == {"video-judge", "video-witness", "composite", "seats"}
    judge = next(s for s in segments if s["stream"] == "video-judge")
    with av.open(str(store / judge["file"])) as container:
        pictures = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    assert len(pictures) >= 25, "a second of pictures or more in the first segment"
    assert np.abs(pictures[0].astype(int) - pictures[-1].astype(int)).mean() > 1, "the pictures are live, moving"
    seats = next(s for s in segments if s["stream"] == "seats")
    with av.open(str(store / seats["file"])) as container:
        tracks = {st.metadata.get("title"): st.index for st in container.streams.audio}
        judge_samples = np.concatenate(
            [f.to_ndarray().ravel() for f in container.decode(audio=list(tracks).index("judge"))]
        )
    peak = float(np.abs(judge_samples).max())
    assert peak > 0.05, f"the judge's microphone was heard (peak {peak:.4f} of full scale)"
