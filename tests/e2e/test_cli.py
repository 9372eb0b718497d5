"""The `courtroom` command as a technician uses it: check, ctl, sim, demo, and a broker that restarts."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import aiomqtt
import yaml

from controller.localbroker import LocalBroker
from tests.e2e.conftest import CONSOLE_PASSWORD, EXAMPLE, ROOT, Daemon, Watcher


async def _courtroom(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_check_accepts_the_example_room() -> None:
    code, out, err = await _courtroom("check", str(EXAMPLE))
    assert code == 0, err
    assert "room b2-cr104" in out and "14 devices" in out and "cam-panorama" in out


async def test_check_names_file_key_and_problem(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    del data["devices"][3]["transport"]["port"]
    data["devices"][1]["address"] = 3  # same line and address as cam-defendant
    data["devices"][0]["profile"] = "sony/evi-d99"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = await _courtroom("check", str(bad))
    assert code == 1
    assert f"{bad}: devices[3] (cam-witness).transport.port: missing" in err

    del data["devices"][3]
    data["seats"] = [seat for seat in data["seats"] if seat.get("camera") != "cam-witness"]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = await _courtroom("check", str(bad))
    assert code == 1 and "address 3" in err and "cam-plaintiff" in err

    data["devices"][1]["address"] = 2
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = await _courtroom("check", str(bad))
    assert code == 1 and "devices[0] (cam-judge).profile" in err and "sony/evi-d99" in err

    bad.write_text("room: [unclosed")
    code, _, err = await _courtroom("check", str(bad))
    assert code == 1 and "not valid YAML" in err


async def test_check_names_a_broken_profile(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    for sub in ("protocols", "models/sony", "models/generic"):
        (profiles / sub).mkdir(parents=True)
    src = Path(EXAMPLE).parent.parent.parent / "firmware_profiles"
    (profiles / "protocols/visca.yaml").write_text((src / "protocols/visca.yaml").read_text())
    (profiles / "models/generic/visca-ptz-20x.yaml").write_text((src / "models/generic/visca-ptz-20x.yaml").read_text())
    broken = (
        (src / "models/sony/evi-d70.yaml")
        .read_text()
        .replace("zoom: {min: 0x0000, max: 0x4000}", "zoom: {min: 0x4000}")
    )
    (profiles / "models/sony/evi-d70.yaml").write_text(broken)
    data = yaml.safe_load(EXAMPLE.read_text())
    data["profiles_dir"] = str(profiles)
    cfg = tmp_path / "room.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = await _courtroom("check", str(cfg))
    assert code == 1
    assert "evi-d70.yaml: ranges.zoom.max: missing" in err


async def test_ctl_status_and_send(daemon: Daemon, room_config: Path, watcher: Watcher) -> None:
    code, out, err = await _courtroom("ctl", "--config", str(room_config), "--lang", "en", "status")
    assert code == 0, err
    assert "room b2-cr104" in out and "online" in out
    assert sum(1 for line in out.splitlines() if "Camera" in line and "online" in line) == 7
    code, out, err = await _courtroom("ctl", "--config", str(room_config), "--lang", "zh", "status")
    assert code == 0, err
    assert "房间 b2-cr104（第四审判庭）：中控在线" in out  # Chinese to match --lang
    assert sum(1 for line in out.splitlines() if "摄像机" in line and "在线" in line) == 7

    code, out, err = await _courtroom(
        "ctl", "--config", str(room_config), "send", "cam-judge", "zoom_to", "position=4096"
    )
    assert code == 0, err + out
    assert json.loads(out)["status"] == "ok"
    await watcher.wait_for("cam-judge/state", lambda p: p["zoom"] == 4096)

    code, out, err = await _courtroom(
        "ctl", "--config", str(room_config), "send", "cam-judge", "preset_recall", "preset=99"
    )
    assert code == 1
    assert json.loads(out)["error"]["code"] == "INVALID_ARGUMENT"
    assert err.startswith("失败：输入有误 (INVALID_ARGUMENT)") or err.startswith("failed: Invalid input"), err


async def test_broker_restart_reconnects_and_republishes(
    room_config: Path, broker: LocalBroker, tmp_path: Path
) -> None:
    d = Daemon(room_config, log_path=tmp_path / "daemon.log")
    await d.start()
    try:
        first = await _wait_ctl_online(broker.port)
        await asyncio.to_thread(broker.stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(broker.start, broker.port)  # persistence is off: the retained set is gone
        second = await _wait_ctl_online(broker.port, timeout=40)
        assert second["session"] > first["session"]
    finally:
        assert await d.stop() == 0, d.log()


async def _wait_ctl_online(port: int, timeout: float = 20) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            try:
                async with aiomqtt.Client("127.0.0.1", port, username="console", password=CONSOLE_PASSWORD) as c:
                    await c.subscribe(f"{ROOT}/$ctl/state")
                    async for message in c.messages:
                        payload = json.loads(message.payload)  # type: ignore[arg-type]
                        if payload["state"] == "online":
                            return dict(payload)
            except aiomqtt.MqttError:
                await asyncio.sleep(0.2)


async def test_check_refuses_two_settings_on_one_line(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["devices"][1]["transport"]["baudrate"] = 38400
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = await _courtroom("check", str(bad))
    assert code == 1
    assert "devices[1]" in err and "baudrate 38400 vs 9600" in err


async def test_courtroom_sim_emits_a_config_the_daemon_accepts(tmp_path: Path) -> None:
    out = tmp_path / "room.yaml"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "controller.cli",
        "sim",
        str(EXAMPLE),
        "--emit-config",
        str(out),
        "--run-dir",
        str(tmp_path / "run"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        lines = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 15)) for _ in range(7)]
        assert [line["device"] for line in lines] == [
            "cam-judge",
            "cam-plaintiff",
            "cam-defendant",
            "cam-witness",
            "cam-panorama",
            "cam-evidence",
            "cam-gallery",
        ]
        assert len({line["endpoint"] for line in lines[:5]}) == 1  # one shared RS-485 line
        assert lines[5]["endpoint"].startswith("udp://127.0.0.1:")
        assert await asyncio.to_thread(Path(lines[0]["endpoint"]).exists)
        code, summary, err = await _courtroom("check", str(out))
        assert code == 0, err
        assert lines[0]["endpoint"] in summary
    finally:
        proc.send_signal(2)
        assert await asyncio.wait_for(proc.wait(), 15) == 0


def _take(path: Path) -> bytes:
    """A file the demo left for its user: read it, then remove it."""
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


async def test_demo_tour_runs_end_to_end() -> None:
    code, out, err = await _courtroom("demo", "--tour-only", "--lang", "en", timeout=120)
    assert code == 0, out + err
    assert out.count("preset_set preset=0  ->  ok") == 7
    assert "INVALID_ARGUMENT: preset: 200 is outside 0..5" in out
    assert "INVALID_STATE: cannot resume while the hearing is idle" in out
    for seat in ("plaintiff", "defendant", "judge"):
        assert f"-> shot: {seat}" in out
    assert "recording=paused" in out and "alarm_raised (critical)" in out and "recovery_attempt: record ok=True" in out
    assert "Presiding judge or sole judge (reviewed and signed)" in out and "| recess |" in out  # --lang en
    assert "$ctl/journal: row" in out and "signed checkpoints valid" in out and "reaches the anchor" in out
    pdf = Path(out.split("(courtroom journal export --format pdf): ", 1)[1].split()[0])
    assert (await asyncio.to_thread(_take, pdf)).startswith(b"%PDF")
    assert "room b2-cr104" in out and "online" in out and "hearing: Closed" in out
    assert "mosquitto_sub -h 127.0.0.1 -p" in out and "The clerk console: http://127.0.0.1:" in out
    # today's first case opened from the simulated case system and put on the air at the local RTMP server
    assert "from the case system: b2-cr104-" in out and "on the air: rtmp://127.0.0.1:" in out
    # the software recording sealed, signed, backed up and verified by the real commands; the replay view
    assert re.search(r"rec-soft: hearing \S+: signature ok, \d+ files match \(store, backup\)", out), out
    assert "backup verified" in out and "no backup copy yet" not in out and "(exit 0)" in out
    assert "The replay view (pick the hearing, click a mark): http://127.0.0.1:" in out


async def test_commands_and_faults_are_journaled_with_who_asked(
    daemon: Daemon, room_config: Path, watcher: Watcher
) -> None:
    reply = await watcher.request("cam-judge", "home", {"id": "j1", "actor": "clerk:wang"})
    assert reply["status"] == "ok", reply
    reply = await watcher.request("cam-judge", "preset_recall", {"id": "j2", "preset": 99})
    assert reply["status"] == "error"
    assert await daemon.stop() == 0
    code, out, err = await _courtroom("journal", "list", str(room_config))
    assert code == 0, err
    rows = [line.split(None, 5) for line in out.splitlines()]
    kinds = [row[2] for row in rows]
    assert kinds[0] == "daemon_started" and kinds[-1] == "daemon_stopped"
    commands = [(row[3], json.loads(row[5])) for row in rows if row[2] == "device_command"]
    assert [(actor, data["action"], data["ref"], data["by"]) for actor, data in commands] == [
        ("mqtt", "home", "j1", {"on_behalf": "clerk:wang", "verified": False}),  # a bare topic: unverified
    ]
    outcomes = [(row[3], json.loads(row[5])["outcome"]) for row in rows if row[2] == "device_command_outcome"]
    refused = [(row[3], json.loads(row[5])["outcome"]) for row in rows if row[2] == "device_command_refused"]
    assert outcomes == [("mqtt", "ok")] and refused == [("mqtt", "INVALID_ARGUMENT")]
    assert kinds.count("device_online") >= 7 and kinds.count("device_offline") >= 7
    code, out, _ = await _courtroom("journal", "verify", str(room_config), "--lang", "en")
    assert code == 0 and "chain intact" in out
