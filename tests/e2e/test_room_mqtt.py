"""The foundation end to end: simulator <- serial pty <- daemon -> real mosquitto -> MQTT clients.

A test that breaks a device does it through the fault control of a simulator in its own process
(``sim_process``); the others read the simulated wire and cameras in this one (``sim_room``)."""

from __future__ import annotations

import asyncio
import time

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sim.room import SimulatedRoom
from sim.visca.bus import ViscaBus
from tests.e2e.conftest import CONSOLE_PASSWORD, ROOT, Daemon, SimProcess, Watcher


def commands_to(bus: ViscaBus, address: int) -> int:
    """VISCA commands (not inquiries: the daemon polls on its own) the simulated line received for a camera."""
    return sum(1 for f in bus.frames if f[0] == 0x80 + address and f[1] == 0x01)


RS485_VISCA = ("cam-judge", "cam-plaintiff", "cam-defendant", "cam-witness", "cam-panorama")
CAMERAS = (*RS485_VISCA, "cam-evidence", "cam-gallery")  # plus VISCA over IP and a Pelco-D dome


async def test_startup_publishes_the_retained_set(daemon: Daemon, watcher: Watcher) -> None:
    state = await watcher.wait_for("$ctl/state", lambda p: p["state"] == "online")
    assert state["session"] >= 1 and state["offline_devices"] == []
    info = await watcher.wait_for("$ctl/info")
    assert info["room_id"] == "b2-cr104" and info["contract_version"] == "1.0"
    assert {"sony/evi-d70", "generic/visca-ptz-20x"} <= set(info["profiles"])
    devices = await watcher.wait_for("$ctl/devices")
    assert [d["id"] for d in devices["devices"]][: len(CAMERAS)] == list(CAMERAS)
    kinds = {d["id"]: d["kind"] for d in devices["devices"]}
    assert (kinds["disp-judge"], kinds["rec-main"], kinds["dsp"], kinds["mics"]) == (
        "display",
        "recorder",
        "audio_processor",
        "mic_system",
    )
    judge = devices["devices"][0]
    assert (judge["role"], judge["vendor"], judge["model"]) == ("judge", "Sony", "EVI-D70")
    assert "preset_recall" in judge["actions"]
    # once identified, the version inquiry's answer is in the list, with the firmware entry it picked
    devices = await watcher.wait_for(
        "$ctl/devices", lambda p: all(d["firmware"] for d in p["devices"] if d["id"] in CAMERAS[:-1])
    )
    judge = devices["devices"][0]
    assert (judge["firmware"], judge["firmware_label"]) == ("0x0210", "v2.x and later")
    for cam in CAMERAS:
        snap = await watcher.wait_for(f"{cam}/state", lambda p: p["pan"] is not None)
        assert isinstance(snap["pan"], int) and isinstance(snap["ts"], int)
        # VISCA answers a power inquiry; Pelco has none, so its power stays unknown until commanded
        assert snap["power"] is (None if cam == "cam-gallery" else True)
    # retained: a client that comes later gets the same set, flagged retained
    async with aiomqtt.Client("127.0.0.1", watcher.port, username="console", password=CONSOLE_PASSWORD) as late:
        await late.subscribe(f"{ROOT}/+/state")
        async with asyncio.timeout(5):
            got = {}
            async for message in late.messages:
                if not message.topic.value.split("/")[-2].startswith("$"):
                    got[message.topic.value.split("/")[-2]] = message.retain
                if len(got) == len(CAMERAS):
                    break
        assert got == dict.fromkeys(CAMERAS, True)
    # and on request the whole set is published again
    mark = len(watcher.messages)
    await watcher.publish("$ctl/request/republish", {"id": "r1"})
    reply = await watcher.wait_for("$ctl/reply/republish", lambda p: p["id"] == "r1")
    assert reply["status"] == "ok"
    await watcher.wait_for("$ctl/devices", start=mark)
    for cam in CAMERAS:
        await watcher.wait_for(f"{cam}/availability", lambda p: p["state"] == "online", start=mark)


async def test_preset_recall_moves_the_simulated_camera(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom
) -> None:
    cam = sim_room.camera("cam-plaintiff")
    reply = await watcher.request("cam-plaintiff", "pan_tilt_to", {"id": "m1", "pan": 400, "tilt": -200})
    assert reply["status"] == "ok", reply
    assert (cam.pan, cam.tilt) == (400, -200)
    reply = await watcher.request("cam-plaintiff", "preset_set", {"id": "s1", "preset": 2})
    assert reply["status"] == "ok", reply
    reply = await watcher.request("cam-plaintiff", "home", {"id": "h1"})
    assert reply["status"] == "ok" and (cam.pan, cam.tilt) == (0, 0)

    reply = await watcher.request("cam-plaintiff", "preset_recall", {"id": "p1", "preset": 2})
    assert reply["status"] == "ok", reply
    assert (cam.pan, cam.tilt) == (400, -200)
    state = await watcher.wait_for(
        "cam-plaintiff/state",
        lambda p: p["preset"] == 2 and p["pan"] == 400 and p["tilt"] == -200 and not p["moving"],
    )
    assert state["power"] is True


def _room_online(watcher: Watcher) -> bool:
    """The controller's latest state says online (an older "online" may be followed by a "degraded")."""
    states = watcher.on("$ctl/state")
    return bool(states) and states[-1]["state"] == "online"


async def test_unplugged_camera_goes_offline_and_comes_back(
    sim_process_daemon: Daemon, watcher: Watcher, sim_process: SimProcess
) -> None:
    await watcher.until(lambda: _room_online(watcher))
    mark = len(watcher.messages)
    await sim_process.fault("cam-witness", "unplug")  # the camera alone leaves its VISCA chain
    offline = await watcher.wait_for(
        "cam-witness/availability", lambda p: p["state"] == "offline", timeout=15, start=mark
    )
    assert offline["reason"]
    degraded = await watcher.wait_for("$ctl/state", lambda p: p["state"] == "degraded", start=mark)
    assert degraded["offline_devices"] == ["cam-witness"], watcher.messages[mark:]
    # the others are untouched, and a command to the offline camera is refused at once
    reply = await watcher.request("cam-judge", "preset_recall", {"id": "j1", "preset": 1})
    assert reply["status"] == "ok", reply
    started = time.monotonic()
    reply = await watcher.request("cam-witness", "home", {"id": "w1"})
    assert reply["status"] == "error" and reply["error"]["code"] == "OFFLINE"
    assert time.monotonic() - started < 5

    mark = len(watcher.messages)
    await sim_process.fault("cam-witness", "replug")
    await watcher.wait_for("cam-witness/availability", lambda p: p["state"] == "online", timeout=20, start=mark)
    await watcher.wait_for("$ctl/state", lambda p: p["state"] == "online", start=mark)
    reply = await watcher.request("cam-witness", "home", {"id": "w2"})
    assert reply["status"] == "ok", reply


async def test_sigterm_publishes_every_device_offline_then_the_controller(daemon: Daemon, watcher: Watcher) -> None:
    online = await watcher.wait_for("$ctl/state", lambda p: p["state"] in ("online", "degraded"))
    mark = len(watcher.messages)
    assert await daemon.stop("TERM") == 0
    last = await watcher.wait_for("$ctl/state", lambda p: p["state"] == "offline", start=mark)
    assert last["session"] == online["session"]
    order = [t for t, p, _ in watcher.messages[mark:] if p.get("state") == "offline"]
    ctl_at = order.index("$ctl/state")
    assert set(order[:ctl_at]) >= {f"{cam}/availability" for cam in CAMERAS}


async def test_kill_9_makes_the_broker_publish_the_will(daemon: Daemon, watcher: Watcher) -> None:
    online = await watcher.wait_for("$ctl/state", lambda p: p["state"] == "online")
    mark = len(watcher.messages)
    assert await daemon.stop("KILL") == -9
    will = await watcher.wait_for("$ctl/state", lambda p: p["state"] == "offline", timeout=60, start=mark)
    assert will["session"] == online["session"]


async def test_bad_input_gets_a_clear_error_and_touches_no_wire(
    daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom
) -> None:
    bus = sim_room.bus_for("cam-judge")
    frames_before = commands_to(bus, 1)
    cases = [
        ("cam-judge", "preset_recall", {"id": "b1", "preset": 200}, "INVALID_ARGUMENT", "preset"),
        ("cam-judge", "zoom_to", {"id": "b2", "position": 0x7000}, "INVALID_ARGUMENT", "position"),
        ("cam-judge", "preset_recall", {"id": "b3", "preset": "3"}, "INVALID_ARGUMENT", "preset"),
        ("cam-judge", "preset_recall", {"id": "b4"}, "INVALID_ARGUMENT", "preset"),
        ("cam-judge", "preset_recall", {"id": "b5", "preset": 1, "speed": 3}, "INVALID_ARGUMENT", "speed"),
        ("cam-judge", "power", {"id": "b6", "on": 1}, "INVALID_ARGUMENT", "on"),
        ("cam-judge", "fly", {"id": "b7"}, "INVALID_ARGUMENT", "fly"),
        ("cam-nobody", "home", {"id": "b8"}, "NOT_FOUND", "cam-nobody"),
        ("cam-judge", "home", {"id": "b9", "ts": int(time.time() * 1000) - 120_000}, "EXPIRED", "old"),
    ]
    for device, action, payload, code, word in cases:
        reply = await watcher.request(device, action, payload)
        assert reply["status"] == "error", (action, payload, reply)
        assert reply["error"]["code"] == code, (action, payload, reply)
        assert word in reply["error"]["message"], reply
    # not JSON, not an object, no id: answered with id null
    for i, raw in enumerate((b"{not json", b"[1, 2]", b'{"preset": 1}')):
        mark = len(watcher.messages)
        await watcher.publish("cam-judge/cmd/preset_recall", raw)
        reply = await watcher.wait_for("cam-judge/reply/preset_recall", lambda p: p["id"] is None, start=mark)
        assert reply["error"]["code"] == "BAD_REQUEST", (i, reply)
    assert commands_to(bus, 1) == frames_before, "a refused command reached the wire"
    # the daemon is still up and serving
    reply = await watcher.request("cam-judge", "refresh", {"id": "ok1"})
    assert reply["status"] == "ok" and reply["data"]["power"] is True


async def test_retained_commands_are_refused(daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom) -> None:
    bus = sim_room.bus_for("cam-judge")
    frames_before = commands_to(bus, 1)
    mark = len(watcher.messages)
    await watcher.publish("cam-judge/cmd/home", {"id": "ret1"}, retain=True)
    reply = await watcher.wait_for("cam-judge/reply/home", lambda p: p["id"] == "ret1", start=mark)
    assert reply["error"]["code"] == "RETAINED"
    assert commands_to(bus, 1) == frames_before
    await watcher.publish("cam-judge/cmd/home", b"", retain=True)  # clear it from the broker


async def test_a_repeated_id_is_answered_from_memory(daemon: Daemon, watcher: Watcher, sim_room: SimulatedRoom) -> None:
    bus = sim_room.bus_for("cam-defendant")

    def recalls() -> int:  # preset recall commands to camera 3 (polls and inquiries do not count)
        return sum(1 for f in bus.frames if f[:4] == bytes.fromhex("83 01 04 3F") and f[4] == 0x02)

    first = await watcher.request("cam-defendant", "preset_recall", {"id": "dup-1", "preset": 1})
    assert first["status"] == "ok", first
    assert recalls() == 1
    second = await watcher.request("cam-defendant", "preset_recall", {"id": "dup-1", "preset": 1})
    assert second["status"] == "ok" and second["data"] == first["data"]
    await asyncio.sleep(0.3)
    assert recalls() == 1, "the repeat acted again"
    third = await watcher.request("cam-defendant", "preset_recall", {"id": "dup-2", "preset": 1})
    assert third["status"] == "ok" and recalls() == 2


async def test_v5_response_topic_and_correlation_data(daemon: Daemon, watcher: Watcher) -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = "courtroom/v1/b2-cr104/$reply/console-7/inbox"  # inside the room's reply space
    props.CorrelationData = b"corr-42"
    mark = len(watcher.messages)
    await watcher.publish("cam-judge/cmd/refresh", {"id": "v5"}, properties=props)
    reply = await watcher.wait_for("$reply/console-7/inbox", lambda p: p["id"] == "v5", start=mark)
    assert reply["status"] == "ok"
    assert not [p for t, p, _ in watcher.messages[mark:] if t == "cam-judge/reply/refresh"]


async def test_diagnostics_and_unknown_requests(daemon: Daemon, watcher: Watcher) -> None:
    await watcher.publish("$ctl/request/diagnostics", {"id": "d1"})
    reply = await watcher.wait_for("$ctl/reply/diagnostics", lambda p: p["id"] == "d1")
    assert reply["status"] == "ok"
    assert reply["data"]["devices"]["cam-judge"]["online"] is True
    await watcher.publish("$ctl/request/explode", {"id": "d2"})
    reply = await watcher.wait_for("$ctl/reply/explode", lambda p: p["id"] == "d2")
    assert reply["error"]["code"] == "NOT_FOUND"


async def test_a_pulled_serial_adapter_takes_its_line_offline_and_back(
    sim_process_daemon: Daemon, watcher: Watcher, sim_process: SimProcess
) -> None:
    """The whole RS-485 adapter goes (the pty and its stable name vanish), then comes back at the same name."""
    await watcher.until(lambda: _room_online(watcher))
    mark = len(watcher.messages)
    await sim_process.fault("cam-judge", "unplug_line")
    for cam in RS485_VISCA:
        await watcher.wait_for(f"{cam}/availability", lambda p: p["state"] == "offline", timeout=15, start=mark)
    down = await watcher.wait_for("$ctl/state", lambda p: len(p["offline_devices"]) == 5, start=mark)
    assert down["state"] == "degraded"  # the controller itself is up and says which devices are gone
    mark = len(watcher.messages)
    await sim_process.fault("cam-judge", "replug_line")
    for cam in RS485_VISCA:
        await watcher.wait_for(f"{cam}/availability", lambda p: p["state"] == "online", timeout=30, start=mark)
    reply = await watcher.request("cam-panorama", "preset_recall", {"id": "after-replug", "preset": 0})
    assert reply["status"] == "ok", reply
