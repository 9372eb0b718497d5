"""Back-pressure per device, against the daemon process, a real mosquitto and the simulated room: a full queue
answers BUSY at once, a command whose expiry passes while it waits is EXPIRED and never reaches the wire, a
newer absolute move supersedes a waiting one, and each of them is in the journal."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from controller.journal import Entry, JournalFile, Kind
from sim.room import SimulatedRoom
from tests.e2e.conftest import Daemon, Watcher

ZOOM_DIRECT = (0x01, 0x04, 0x47)


def _frames(sim_room: SimulatedRoom, device: str) -> list[bytes]:
    cam = sim_room.camera(device)
    return [bytes(f) for f in cam.bus.frames if f[0] == 0x80 + cam.address]


def _journal_rows(room_config: Path) -> list[Entry]:
    file = JournalFile(Path(yaml.safe_load(room_config.read_text())["state_dir"]) / "journal.sqlite", "b2-cr104")
    try:
        return list(file.entries())
    finally:
        file.close()


async def test_full_queue_busy_waiting_command_expires_newest_move_wins(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, room_config: Path
) -> None:
    dev = "cam-plaintiff"
    await watcher.wait_for(f"{dev}/state", lambda p: p["pan"] is not None)
    cam = sim_room.camera(dev)
    # in-process handle, not the fault control: the asserts below read the frames on this camera's simulated line
    cam.fall_silent()  # it still hears and obeys, but sends nothing: every command waits for its ACK timeout
    start = len(watcher.messages)
    # two commands fill the device's two slots in the driver ...
    await watcher.publish(f"{dev}/cmd/power", {"id": "a", "on": True})
    await watcher.publish(f"{dev}/cmd/power", {"id": "b", "on": True})
    # ... two preset recalls wait: the newer supersedes the older at once
    await watcher.publish(f"{dev}/cmd/preset_recall", {"id": "c", "preset": 1})
    await watcher.publish(f"{dev}/cmd/preset_recall", {"id": "d", "preset": 2})
    superseded = await watcher.wait_for(f"{dev}/reply/preset_recall", lambda p: p["id"] == "c", 5, start)
    assert superseded["error"]["code"] == "SUPERSEDED", superseded
    # a zoom worth sending for 0.6 s more only (its ts is that close to command_max_age_s) waits behind them:
    # 4 of 4 places, and it expires before the first slot frees (the first power's ACK timeout, 1 s)
    stale_ts = int(time.time() * 1000) - 30_000 + 600
    await watcher.publish(f"{dev}/cmd/zoom_to", {"id": "e", "position": 0, "ts": stale_ts})
    # the queue is full: the next one is refused at once, before any of the stuck ones is answered
    await watcher.publish(f"{dev}/cmd/power", {"id": "f", "on": True})
    busy = await watcher.wait_for(f"{dev}/reply/power", lambda p: p["id"] == "f", 5, start)
    assert busy["error"]["code"] == "BUSY" and "queue depth 4" in busy["error"]["message"], busy
    answered_before = {p["id"] for t, p, _ in watcher.messages[start:] if "/reply/" in t}
    assert answered_before.isdisjoint({"a", "b", "d", "e"}), answered_before
    expired = await watcher.wait_for(f"{dev}/reply/zoom_to", lambda p: p["id"] == "e", 10, start)
    assert expired["error"]["code"] == "EXPIRED", expired
    for rid, action in (("a", "power"), ("b", "power"), ("d", "preset_recall")):
        await watcher.wait_for(f"{dev}/reply/{action}", lambda p, rid=rid: p["id"] == rid, 15, start)
    cam.resume()
    frames = _frames(sim_room, dev)
    recall = lambda n: bytes([0x80 + cam.address, 0x01, 0x04, 0x3F, 0x02, n, 0xFF])  # noqa: E731
    assert recall(1) not in frames, "the superseded recall reached the wire"
    assert not any(f[1:4] == bytes(ZOOM_DIRECT) for f in frames), "the expired zoom reached the wire"
    await daemon.stop()
    rows = _journal_rows(room_config)
    refused = [e.data for e in rows if e.kind == Kind.DEVICE_COMMAND_REFUSED and e.data.get("ref") == "f"]
    assert [r["outcome"] for r in refused] == ["BUSY"]
    assert not [e for e in rows if e.kind == Kind.DEVICE_COMMAND and e.data.get("ref") == "f"]
    outcomes = {e.data["command"]: e.data["outcome"] for e in rows if e.kind == Kind.DEVICE_COMMAND_OUTCOME}
    by_ref = {
        e.data.get("ref"): e.data["command"] for e in rows if e.kind == Kind.DEVICE_COMMAND and e.data["device"] == dev
    }
    assert outcomes[by_ref["c"]] == "SUPERSEDED" and outcomes[by_ref["e"]] == "EXPIRED"
