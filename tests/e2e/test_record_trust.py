"""The record you can trust, against the daemon process, a real mosquitto and the simulated room: no `ok` without
its journal row (kill -9 mid-burst), a clean stop that is the controller's gap and not a recording fault, the
recording rule over MQTT with the sender named by the broker, and signed checkpoints the platform anchors."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from controller.journal import JournalFile, Kind
from sim.room import SimulatedRoom
from tests.e2e.conftest import Daemon, Watcher

PLATFORM = "中心平台值班员 张工"


@pytest.fixture
def room_config(room_config: Path) -> Iterator[Path]:
    """The e2e room, with the watcher's MQTT account known to the room as a technician of the platform."""
    data = yaml.safe_load(room_config.read_text())
    data["broker"]["operators"] = {"console": {"name": PLATFORM, "role": "technician"}}
    room_config.write_text(yaml.safe_dump(data, allow_unicode=True))
    yield room_config


def _journal(room_config: Path) -> Path:
    return Path(yaml.safe_load(room_config.read_text())["state_dir"]) / "journal.sqlite"


async def _courtroom(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "controller.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_every_ok_reply_has_its_journal_row_after_a_kill_9_mid_burst(
    daemon: Daemon, watcher: Watcher, room_config: Path
) -> None:
    devices = ["dsp", "mics", "rec-main", "rec-backup", "disp-judge", "disp-parties", "proj-evidence", "cam-evidence"]
    ids = [f"b{n}-{uuid.uuid4().hex[:6]}" for n in range(400)]
    start = len(watcher.messages)
    for n, request_id in enumerate(ids):
        await watcher.publish(f"{devices[n % len(devices)]}/cmd/refresh", {"id": request_id})

    def ok_replies() -> set[str]:
        return {p["id"] for t, p, _ in watcher.messages[start:] if "/reply/" in t and p.get("status") == "ok"}

    await watcher.until(lambda: len(ok_replies()) >= 60, 30)
    await daemon.stop("KILL")  # mid-burst: most commands are still queued or on the wire
    answered = ok_replies()
    assert 60 <= len(answered) < len(ids), len(answered)
    file = JournalFile(_journal(room_config), "b2-cr104")
    try:
        refs = {e.data.get("ref") for e in file.entries() if e.kind == Kind.DEVICE_COMMAND}
    finally:
        file.close()
    lost = answered - refs
    assert not lost, f"{len(lost)} commands were answered ok but are not in the journal: {sorted(lost)[:5]}"


async def test_a_clean_stop_mid_hearing_is_the_controllers_gap_not_a_recording_fault(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, room_config: Path
) -> None:
    reply = await watcher.request("hearing", "open/console", {"id": "o1", "case_no": "T-1", "actor": "clerk:wang"})
    assert reply["status"] == "ok", reply
    state = await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=10)
    await asyncio.sleep(1.2)  # the 9-pin deck's timecode is read about once a second
    assert await daemon.stop("TERM") == 0
    assert sim_room.device("rec-main").transport == "record"  # type: ignore[attr-defined]
    await asyncio.sleep(1.5)  # nobody watches; the recorders record on
    start = len(watcher.messages)
    await daemon.start()
    gap = await watcher.wait_for("hearing/event", lambda p: p["event"] == "controller_gap", 25, start)
    assert gap["severity"] == "warning" and gap["data"]["clean_stop"] is True
    await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording" and not p["alarms"], 15, start)
    await asyncio.sleep(1.5)  # past the settle time: still no alarm, no fault interruption
    last = watcher.on("hearing/state")[-1]
    assert last["state"] == "in_session" and not last["alarms"] and last["hearing_id"] == state["hearing_id"]
    assert (await watcher.request("hearing", "close", {"id": "x1"}))["status"] == "ok"
    await watcher.wait_for("$ctl/journal", lambda p: p["seq"] > 0, 10, start)
    stopping = len(watcher.messages)
    assert await daemon.stop("TERM") == 0
    # the process's exit may be seen before the watcher has read its last messages: the stop's checkpoint is
    # published before its $ctl/state offline, so once that is in, so is the checkpoint
    await watcher.wait_for("$ctl/state", lambda p: p["state"] == "offline", 10, stopping)
    checkpoint = watcher.on("$ctl/journal")[-1]  # signed at the stop: the anchor the platform holds now

    code, out, err = await _courtroom("journal", "export", "T-1", "--format", "json", "--source", str(room_config))
    assert code == 0, err
    assert "哈希链完整" in err and "日志头" in err  # the record's language (Chinese by default) is the export's
    record = json.loads(out)
    assert not [f for f in record["faults"] if f["kind"] == "not_recording"], record["faults"]
    gaps = [f for f in record["faults"] if f["kind"] == "controller_gap"]
    assert len(gaps) == 1 and "正常停止" in gaps[0]["text"] and not gaps[0]["affects_recording"], gaps
    assert "庭审录像主机报告时码连续走动" in gaps[0]["effect"] and "备份录像机报告时码连续走动" in gaps[0]["effect"]
    assert record["failure_statement"] is None and record["interruptions"] == []
    main = [s for s in record["segments"] if s["device"] == "rec-main"]
    assert len(main) == 1 and len(main[0]["continued_through"]) == 1, main
    assert record["opened_by"] == f"{PLATFORM}（技术人员，平台账号 console，代 clerk:wang）"
    verification = record["verification"]
    assert verification["ok"] and verification["hearing_checkpoint"] is not None

    # the platform kept the last checkpoint from MQTT: the journal reaches it, and a cut-short one does not
    code, out, _ = await _courtroom("journal", "verify", str(room_config), "--anchor-from-broker")
    assert code == 0 and f"reaches the anchor {checkpoint['seq']}:" in out, out
    db = sqlite3.connect(str(_journal(room_config)))
    db.executescript(f"DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq >= {checkpoint['seq']};")
    db.close()
    code, out, _ = await _courtroom("journal", "verify", str(room_config), "--anchor-from-broker")
    assert code == 1 and "were cut off" in out, out


async def test_the_recording_rule_over_mqtt_and_who_sent_it(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, room_config: Path
) -> None:
    assert (await watcher.request("hearing", "open", {"id": "o1", "case_no": "R-9"}))["status"] == "ok"
    await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=10)
    deck = sim_room.device("rec-main")

    bare = await watcher.request("rec-main", "stop", {"id": "s1"})
    assert bare["error"]["code"] == "RECORDING_RULE" and "hearing interruption" in bare["error"]["message"], bare
    bare = await watcher.request("rec-main", "stop", {"id": "s2", "override_reason": "维护更换硬盘"})
    assert bare["error"]["code"] == "RECORDING_RULE" and "not verified" in bare["error"]["message"], bare
    fault = await watcher.request("hearing", "interrupt", {"id": "f1", "reason": "fault"})
    assert fault["error"]["code"] == "RECORDING_RULE", fault
    assert deck.transport == "record"  # type: ignore[attr-defined]

    start = len(watcher.messages)  # under another account's name: the broker drops it, nothing happens
    await watcher.publish("rec-main/cmd/stop/platform", {"id": "s3", "override_reason": "冒名的覆盖理由"})
    await asyncio.sleep(1.0)
    assert not [p for t, p, _ in watcher.messages[start:] if "/reply/" in t and p.get("id") == "s3"]
    assert deck.transport == "record"  # type: ignore[attr-defined]

    ok = await watcher.request("rec-main", "stop/console", {"id": "s4", "override_reason": "维护更换硬盘，工单 42"})
    assert ok["status"] == "ok", ok
    assert deck.transport != "record"  # type: ignore[attr-defined]
    override = await watcher.wait_for("hearing/event", lambda p: p["event"] == "recording_rule_override", 5, start)
    assert override["severity"] == "critical" and override["data"]["actor"] == "mqtt:console"
    assert (await watcher.request("hearing", "close", {"id": "x1"}))["status"] == "ok"
    assert await daemon.stop() == 0
    file = JournalFile(_journal(room_config), "b2-cr104")
    try:
        rows = list(file.entries())
    finally:
        file.close()
    stops = [e for e in rows if e.kind == Kind.DEVICE_COMMAND and e.data["action"] == "stop" and e.data.get("ref")]
    assert [(e.actor, e.data["ref"], e.data["override_reason"]) for e in stops] == [
        ("mqtt:console", "s4", "维护更换硬盘，工单 42")
    ]
    assert stops[0].data["by"] == {"name": PLATFORM, "role": "technician"}
    refused = [e for e in rows if e.kind == Kind.DEVICE_COMMAND_REFUSED and e.data["outcome"] == "RECORDING_RULE"]
    assert [(e.actor, e.data["ref"]) for e in refused] == [("mqtt", "s1"), ("mqtt", "s2")]
    assert all(e.data["by"]["verified"] is False for e in refused)
