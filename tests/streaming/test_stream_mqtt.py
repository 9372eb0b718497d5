"""The demo's path end to end, each part its own process: the simulated room (`courtroom sim`), the simulated
case system, nginx-rtmp and the daemon. Over MQTT only: today's first scheduled case opened from the case
system, put on the air, cut with one command (the slate read back from nginx), stopped by the recess."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from controller import ctl
from controller.localbroker import LocalBroker
from controller.streaming.demo import STREAM_KEY, LiveDemo
from controller.streaming.local_server import missing
from sim.audio import alsa_env
from tests.e2e.conftest import CONSOLE_PASSWORD, ROOM_ID, ROOM_PASSWORD, Daemon, Watcher, broker, watcher  # noqa: F401 - fixtures
from tests.e2e.test_recording_two_processes import live_sim  # noqa: F401 - fixture
from tests.streaming.rtmp import Reader
from tests.streaming.test_stream_policy import wait_for


async def test_a_scheduled_case_is_opened_streamed_and_cut_over_mqtt(
    tmp_path: Path,
    live_sim: tuple[Path, Path],  # noqa: F811
    broker: LocalBroker,  # noqa: F811
    watcher: Watcher,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if missing():
        pytest.skip(str(missing()))
    config, run_dir = live_sim
    live = LiveDemo()
    await live.start(tmp_path / "live")
    reader: Reader | None = None
    daemon: Daemon | None = None
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        secret = tmp_path / "room-password"
        secret.write_text(ROOM_PASSWORD)
        data["broker"] = {"host": "127.0.0.1", "port": broker.port, "username": ROOM_ID, "password_file": str(secret),
                          "operators": {"console": {"name": "赵书记员", "role": "clerk"}}}
        data["state_dir"] = str(tmp_path / "state")
        data["console"] = {"port": 0}
        recorder = next(d for d in data["devices"] if d["id"] == "rec-soft")
        recorder["options"]["backup"] = str(tmp_path / "backup")
        live.configure(data)
        data["streaming"].update(width=320, height=180)
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        for key, value in alsa_env(run_dir).items():
            monkeypatch.setenv(key, value)
        daemon = Daemon(config, log_path=tmp_path / "daemon.log")
        await daemon.start()
        for device in ("video-judge", "video-witness", "mics", "rec-soft"):
            await watcher.wait_for(f"{device}/availability", lambda p: p["state"] == "online", timeout=30)
        cases = await watcher.wait_for("cases/state", lambda p: p["status"] == "ok", timeout=15)
        assert [c["publicity"] for c in cases["cases"]] == ["public", "not_public", "not_public"]
        off = await watcher.wait_for("stream/state")
        assert off["state"] == "off" and off["target"] == live.rtmp.url(STREAM_KEY).rsplit("/", 1)[0]  # type: ignore[union-attr]

        assert live.rtmp is not None
        reader = Reader(live.rtmp.url(STREAM_KEY))
        reader.start()
        target = ctl.Target("127.0.0.1", broker.port, ROOM_ID, "console", CONSOLE_PASSWORD)
        hearing_id = await live.open_and_stream(target)
        assert hearing_id is not None
        state = await watcher.wait_for("hearing/state", lambda p: p["state"] == "in_session", timeout=10)
        assert state["case_no"] == cases["cases"][0]["case_no"]
        on_air = await watcher.wait_for("stream/state", lambda p: p["state"] == "live", timeout=10)
        assert on_air["by"] == "mqtt:console" and on_air["case_no"] == state["case_no"]
        await wait_for(lambda: len(reader.frames) >= 5, 30, "pictures read back")  # type: ignore[union-attr]

        cut_at = time.monotonic()
        reply = await ctl.send(target, "stream", "cut", {"reason": "旁听人员喧哗"})
        assert reply["status"] == "ok", reply
        await wait_for(lambda: any(f.slate for f in reader.frames), 10, "the slate")  # type: ignore[union-attr]
        seen = next(f.at for f in reader.frames if f.slate) - cut_at
        print(f"\nover MQTT: cut command -> slate read back {seen * 1000:.0f} ms")
        assert seen < 3.0
        cut = await watcher.wait_for("stream/state", lambda p: p["state"] == "cut")
        assert cut["reason"] == "旁听人员喧哗" and cut["by"] == "mqtt:console"

        assert (await ctl.send(target, "hearing", "interrupt", {"reason": "recess"}))["status"] == "ok"
        stopped = await watcher.wait_for("stream/state", lambda p: p["state"] == "off" and p["reason"], timeout=10)
        assert stopped["reason"] == "recess (休庭)" and stopped["by"] == "hearing"
        assert (await ctl.send(target, "hearing", "close", {}))["status"] == "ok"
    finally:
        if reader is not None:
            reader.stop()
        code = await daemon.stop() if daemon is not None else 0
        await live.stop()
    assert code == 0, daemon.log() if daemon else ""
