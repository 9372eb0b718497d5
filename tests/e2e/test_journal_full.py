"""A full state_dir on a real small filesystem, against the daemon process over MQTT: hearing operations and
device commands are refused with nothing of them applied, the alarm is on hearing/state, $ctl/state and in
the journal (written from the reserve), and everything works again once there is room."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from sim.room import SimulatedRoom
from tests.disk import fill, small_disk
from tests.e2e.conftest import Daemon, Watcher

HOME = bytes.fromhex("81 01 06 04 FF")  # VISCA home to camera 1 (cam-judge)


@pytest.fixture
def room_config(room_config: Path, tmp_path: Path) -> Iterator[Path]:
    """The e2e room with its state_dir on an 8 MiB tmpfs and the journal's thresholds to match."""
    with small_disk(tmp_path / "state-disk", "8m") as disk:
        data = yaml.safe_load(room_config.read_text())
        data["state_dir"] = str(disk / "state")
        data["journal"] = {"reserve_mb": 0.5, "min_free_mb": 0.25, "low_space_mb": 1}
        room_config.write_text(yaml.safe_dump(data, allow_unicode=True))
        yield room_config


def _fill_state_disk(room_config: Path) -> Path:
    return fill(Path(yaml.safe_load(room_config.read_text())["state_dir"]).parent)


def _homes(sim_room: SimulatedRoom) -> int:
    return sum(1 for frame in sim_room.bus_for("cam-judge").frames if frame == HOME)


async def test_a_full_state_dir_refuses_without_applying_and_raises_the_alarm(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, room_config: Path
) -> None:
    assert (await watcher.request("hearing", "open", {"id": "o1", "case_no": "D-1"}))["status"] == "ok"
    await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=10)
    assert (await watcher.request("hearing", "mark", {"id": "m1", "text": "满盘之前"}))["status"] == "ok"

    filler = await asyncio.to_thread(_fill_state_disk, room_config)
    homes = _homes(sim_room)
    start = len(watcher.messages)
    for action, params in (("mark", {"text": "满盘时的标记"}), ("interrupt", {"reason": "recess"})):
        reply = await watcher.request("hearing", action, {"id": f"full-{action}", **params})
        assert reply["error"]["code"] == "JOURNAL_ERROR", reply
    reply = await watcher.request("cam-judge", "home", {"id": "full-home"})
    assert reply["error"]["code"] == "JOURNAL_ERROR" and "state_dir full" in reply["error"]["message"], reply
    assert _homes(sim_room) == homes  # nothing went to the camera
    for rec in ("rec-main", "rec-backup"):  # nothing of the refused interruption happened
        assert sim_room.device(rec).transport == "record"  # type: ignore[attr-defined]
    state = await watcher.wait_for(
        "hearing/state", lambda p: any(a["kind"] == "journal_unavailable" for a in p["alarms"]), 5, start
    )
    assert state["state"] == "in_session" and state["marks"] == 1 and state["interruption"] is None
    alarm = next(a for a in state["alarms"] if a["kind"] == "journal_unavailable")
    assert alarm["severity"] == "critical" and "state_dir full" in alarm["message"]
    ctl = await watcher.wait_for("$ctl/state", lambda p: p["journal"] == "unavailable", 5, start)
    assert ctl["state"] == "degraded"

    # Only a $ctl/state published after the space is back may count: one published between the fill and the
    # first refusal (the journal had not looked at the disk yet) still says "ok" and would be read as recovery.
    freed = len(watcher.messages)
    filler.unlink()
    await watcher.wait_for("$ctl/state", lambda p: p["journal"] == "ok", 10, freed)
    assert (await watcher.request("hearing", "mark", {"id": "m2", "text": "恢复之后"}))["status"] == "ok"
    assert (await watcher.request("cam-judge", "home", {"id": "h2"}))["status"] == "ok"

    # in recess when the disk fills again: the resume is refused and the recorders stay stopped
    assert (await watcher.request("hearing", "interrupt", {"id": "i2", "reason": "recess"}))["status"] == "ok"
    for rec in ("rec-main", "rec-backup"):
        await _until(lambda rec=rec: sim_room.device(rec).transport != "record", f"{rec} stopped for the recess")
    filler = await asyncio.to_thread(_fill_state_disk, room_config)
    reply = await watcher.request("hearing", "resume", {"id": "full-resume"})
    assert reply["error"]["code"] == "JOURNAL_ERROR", reply
    await asyncio.sleep(0.5)  # time enough for a resume that slipped through to reach the decks
    for rec in ("rec-main", "rec-backup"):
        assert sim_room.device(rec).transport != "record", rec  # type: ignore[attr-defined]
    freed = len(watcher.messages)
    filler.unlink()
    await watcher.wait_for("$ctl/state", lambda p: p["journal"] == "ok", 10, freed)
    assert (await watcher.request("hearing", "resume", {"id": "r2"}))["status"] == "ok"
    await watcher.wait_for("hearing/state", lambda p: p["state"] == "in_session", 10, freed)
    assert (await watcher.request("hearing", "close", {"id": "x1"}))["status"] == "ok"
    assert await daemon.stop() == 0

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", "journal", "export", "D-1", "--format", "json",
        "--source", str(room_config), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    record = json.loads(out)
    assert [m["text"] for m in record["marks"]] == ["满盘之前", "恢复之后"]
    assert [i["reason"] for i in record["interruptions"]] == ["recess"]  # the refused resume left it one recess
    full = [f for f in record["faults"] if f["kind"] == "journal_unavailable"]
    assert len(full) == 2 and all(f["text"] == "控制系统日志无法写入" and f["to"] is not None for f in full), full


async def _until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
