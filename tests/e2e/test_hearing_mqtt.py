"""The hearing over MQTT against the daemon process: commands, retained state, events, bad input, and a daemon
killed mid-hearing that restores the hearing from its journal."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import yaml

from sim.room import SimulatedRoom
from tests.e2e.conftest import Daemon, Watcher


def _journal_path(room_config: Path) -> Path:
    return Path(yaml.safe_load(room_config.read_text())["state_dir"]) / "journal.sqlite"


async def test_a_hearing_over_mqtt(daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom) -> None:
    await watcher.wait_for("hearing/state", lambda p: p["state"] == "idle")
    reply = await watcher.request("hearing", "check", {"id": "c1", "actor": "clerk:wang"})
    assert reply["status"] == "ok" and reply["data"]["ok"], reply
    await watcher.wait_for("hearing/state", lambda p: p["state"] == "ready")
    reply = await watcher.request("hearing", "open", {"id": "o1", "case_no": "(2026)京0105民初7号"})
    assert reply["status"] == "ok", reply
    state = await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=10)
    assert state["case_no"] == "(2026)京0105民初7号" and state["state"] == "in_session"
    opened = await watcher.wait_for("hearing/event", lambda p: p["event"] == "hearing_opened")
    assert opened["data"]["actor"] == "mqtt" and opened["hearing_id"] == state["hearing_id"]

    mics = sim_room.device("mics")
    mics.press(5)  # type: ignore[attr-defined]
    await watcher.wait_for("mics/event", lambda p: p["event"] == "mic_on" and p["data"] == {"seat": 5})
    await watcher.wait_for("hearing/state", lambda p: p["voice_follow"]["seat"] == "witness")

    bad = await watcher.request("hearing", "resume", {"id": "r1"})
    assert bad["error"]["code"] == "INVALID_STATE", bad
    bad = await watcher.request("hearing", "interrupt", {"id": "i0", "reason": "lunch"})
    assert bad["error"]["code"] == "INVALID_ARGUMENT" and "reason" in bad["error"]["message"], bad
    start = len(watcher.messages)
    await watcher.publish("hearing/cmd/mark", b"{not json")
    bad = await watcher.wait_for("hearing/reply/mark", start=start)
    assert bad["error"]["code"] == "BAD_REQUEST", bad

    reply = await watcher.request("hearing", "mark", {"id": "m1", "text": "原告陈述", "actor": "clerk:wang"})
    assert reply["status"] == "ok" and reply["data"]["offset_s"] >= 0, reply
    reply = await watcher.request("hearing", "interrupt", {"id": "i1", "reason": "recess"})
    assert reply["status"] == "ok", reply
    await watcher.wait_for(
        "hearing/state", lambda p: p["recording"] == "paused" and p["interruption"]["label"] == "休庭"
    )
    assert (await watcher.request("hearing", "resume", {"id": "r2"}))["status"] == "ok"
    assert (await watcher.request("hearing", "close", {"id": "x1"}))["status"] == "ok"
    await watcher.wait_for("hearing/state", lambda p: p["state"] == "closed")


async def test_killed_mid_hearing_the_daemon_restores_it_and_journals_the_gap(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom, room_config: Path, tmp_path: Path
) -> None:
    assert (
        await watcher.request("hearing", "open", {"id": "o1", "case_no": "K-1", "override_reason": "测试用的覆盖理由"})
    )["status"] == "ok"
    state = await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", timeout=10)
    hearing_id = state["hearing_id"]
    await asyncio.sleep(0.5)  # the recorders' reports of recording are on disk (a kill takes what is not)
    await daemon.stop("KILL")
    backup = sim_room.device("rec-backup")
    backup.press_stop()  # type: ignore[attr-defined]  # while nobody watches, the backup deck stops
    start = len(watcher.messages)
    await daemon.start()
    restored = await watcher.wait_for(
        "hearing/state", lambda p: p["hearing_id"] == hearing_id and p["state"] == "interrupted", 25, start
    )
    assert restored["interruption"]["reason"] == "fault" and "rec-backup" in restored["interruption"]["note"]
    await watcher.wait_for("hearing/event", lambda p: p["event"] == "controller_gap", 5, start)
    resumed = len(watcher.messages)  # the state from before the kill also said recording
    assert (await watcher.request("hearing", "resume", {"id": "r1"}))["status"] == "ok"
    await watcher.wait_for("hearing/state", lambda p: p["recording"] == "recording", 10, resumed)
    assert (await watcher.request("hearing", "close", {"id": "x1"}))["status"] == "ok"
    await daemon.stop()

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        "journal",
        "export",
        "K-1",
        "--format",
        "json",
        "--source",
        str(room_config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    record = json.loads(out)
    assert record["hearing_id"] == hearing_id
    assert [i["reason"] for i in record["interruptions"]] == ["fault"]
    interruption = record["interruptions"][0]
    assert interruption["by"] == "控制系统" and "rec-backup" not in interruption["note"]
    assert interruption["note"] == "控制系统未运行期间录像受到影响：备份录像机报告状态为已停止", interruption["note"]
    assert "rec-backup reports stopped" in record["appendix"][interruption["raw"] - 1]["raw"]  # the raw line
    gaps = [f for f in record["faults"] if f["kind"] == "controller_gap"]
    assert len(gaps) == 1 and "意外终止" in gaps[0]["text"] and gaps[0]["affects_recording"], gaps
    assert "恢复后备份录像机报告已停止录像" in gaps[0]["effect"], gaps[0]["effect"]
    statement = record["failure_statement"]
    assert statement is not None and any("意外终止" in item for item in statement["items"])
    # from the journal file alone: the signatures need the room's public key, or the record says it is unverified
    for extra, code in (([], 1), (["--unverified"], 0)):
        md = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "controller.cli", "journal", "export", hearing_id, "--source",
            str(_journal_path(room_config)), *extra, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await md.communicate()
        assert md.returncode == code, err.decode()
    assert "--public-key" in err.decode() or code == 0
    text = out.decode()
    assert "设备故障情况说明" in text and "K-1" in text and "未校验" in text
