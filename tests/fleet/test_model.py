"""The fleet view's model: what each room's tile shows, from the contract's messages."""

from __future__ import annotations

import json
import time

from controller.fleet.loadgen import LoadRoom
from controller.fleet.model import FleetModel
from controller.fleet.status import format_status


def msg(data: dict[str, object]) -> bytes:
    return json.dumps(data).encode()


def test_a_room_from_its_retained_set() -> None:
    model = FleetModel(stale_after_s=60)
    room = LoadRoom("b2-cr105", devices=30, name="第五审判庭")
    room.offline.add("cam-01")
    for topic, payload in room.retained_set():
        model.apply(topic, payload, received_ms=1_000_000)
    (tile,) = model.snapshot(now=1_000_500)
    assert tile["room_id"] == "b2-cr105" and tile["name"] == "第五审判庭"
    assert tile["devices"] == 30
    assert tile["offline_devices"] == ["cam-01"]
    assert tile["controller"] == "degraded" and tile["level"] == "warning"
    assert tile["hearing"] == "idle" and tile["recording"] == "not_recording"
    assert tile["last_seen_ms"] == 1_000_000


def test_alarms_recording_and_grey_when_silent() -> None:
    model = FleetModel(stale_after_s=60)
    alarm = {
        "id": "not_recording:rec-main",
        "kind": "not_recording",
        "severity": "critical",
        "device": "rec-main",
        "message": "录像主机未录像",
        "since_ts": 1,
    }
    model.apply(
        "courtroom/v1/r1/hearing/state",
        msg({"state": "in_session", "case_no": "(2026)1号", "recording": "recording", "alarms": [alarm]}),
        received_ms=10_000,
    )
    tile = model.snapshot(now=20_000)[0]
    assert tile["level"] == "error" and tile["recording"] == "recording"
    assert tile["alarms"] == [{"severity": "critical", "message": "录像主机未录像"}]
    assert model.snapshot(now=10_000 + 60_001)[0]["level"] == "stale"  # nothing for a minute: grey


def test_the_controller_will_and_the_bridge_notice_turn_a_room_grey() -> None:
    model = FleetModel()
    model.apply("courtroom/v1/r1/$ctl/state", msg({"state": "online", "session": 7}), received_ms=1)
    model.apply("courtroom/v1/r1/$ctl/state", msg({"state": "offline", "session": 6}), received_ms=2)
    assert model.snapshot(now=3)[0]["level"] == "ok"  # an older session's will, after the newer online
    model.apply("courtroom/v1/r1/$bridge/connection", b"0", received_ms=4)
    assert model.snapshot(now=5)[0]["level"] == "stale"
    model.apply("courtroom/v1/r1/$bridge/connection", b"1", received_ms=6)
    model.apply("courtroom/v1/r1/$ctl/state", msg({"state": "offline", "session": 7}), received_ms=7)
    assert model.snapshot(now=8)[0]["level"] == "stale"


def test_bad_messages_are_counted_not_raised() -> None:
    model = FleetModel()
    model.apply("courtroom/v1/r1/cam/state", b"{not json", received_ms=1)
    model.apply("courtroom/v1/r1/cam/state", b"[1]", received_ms=1)
    model.apply("elsewhere/x", b"{}", received_ms=1)
    assert model.rejected == 3 and model.last_rejected == "elsewhere/x: not a room topic"
    model.apply("courtroom/v1/r1/cam/cmd/home", b"{not json", received_ms=1)  # commands are not the room's state
    model.apply("courtroom/v1/r1/cam/state", b"", received_ms=1)  # a cleared retained message
    assert model.rejected == 3 and "r1" not in model.rooms


def test_staleness_is_measured_from_the_payload_ts() -> None:
    model = FleetModel()
    model.apply("courtroom/v1/r1/cam/state", msg({"ts": 1000, "zoom": 1}), received_ms=1250)
    model.apply("courtroom/v1/r1/hearing/event", msg({"ts": 500, "event": "mark", "replayed": True}), received_ms=9000)
    assert list(model.staleness_ms) == [250]  # a replayed event is late on purpose


def test_terminal_status() -> None:
    model = FleetModel(stale_after_s=60)
    for room_id in ("r1", "r2"):
        for topic, payload in LoadRoom(room_id, devices=3).retained_set():
            model.apply(topic, payload, received_ms=1_000_000)
    model.apply("courtroom/v1/r2/$bridge/connection", b"0", received_ms=1_000_000)
    text = format_status(model.snapshot(now=1_001_000), 1_010.0)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["room", "level", "hearing"]
    assert lines[1].split()[:4] == ["r1", "ok", "idle", "not_recording"]
    assert lines[2].split()[:2] == ["r2", "SILENT"] and lines[2].endswith("(10 s ago)")
    assert lines[3].split()[:5] == ["WAN", "link", "down", "since", time.strftime("%H:%M:%S", time.localtime(1_000))]
    assert lines[3].endswith("(1 s)")
    assert lines[-1] == "2 rooms, 1 not reporting"


def test_a_link_outage_how_long_and_its_late_events() -> None:
    model = FleetModel()
    room = "courtroom/v1/r1"
    model.apply(f"{room}/hearing/state", msg({"state": "idle"}), received_ms=1_000)
    assert model.snapshot(now=1_000)[0]["link"] == {"state": "unknown"}  # no bridge notice: not "down"
    model.apply(f"{room}/$bridge/connection", b"1", received_ms=2_000)
    assert model.snapshot(now=2_000)[0]["link"] == {"state": "up"}
    model.apply(f"{room}/$bridge/connection", b"0", received_ms=10_000)  # the central side saw the will
    model.apply(f"{room}/$bridge/connection", b"0", received_ms=12_000)  # the retained will read again
    tile = model.snapshot(now=40_000)[0]
    assert tile["level"] == "stale" and tile["link"] == {"state": "down", "down_since_ms": 10_000, "down_s": 30}
    model.apply(f"{room}/$bridge/connection", b"1", received_ms=43_000)
    # the room's queue delivers what happened meanwhile, after the notice; the room knew of the loss at 9 500
    late = {"event": "mark", "hearing_id": "h", "replayed": True, "link_down_ts": 9_500}
    for i in range(3):
        model.apply(f"{room}/hearing/event", msg({**late, "ts": 20_000 + i}), received_ms=43_100)
    model.apply(f"{room}/hearing/event", msg({"event": "mark", "ts": 44_000, "replayed": False}), received_ms=44_001)
    tile = model.snapshot(now=45_000)[0]
    assert tile["level"] == "ok"
    assert tile["link"] == {
        "state": "up",
        "last_outage": {"from_ms": 9_500, "to_ms": 43_000, "s": 33},
        "late_events": 3,
    }
    assert [e.get("replayed", False) for e in tile["events"]] == [True, True, True, False]
