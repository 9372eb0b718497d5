"""PJLink class 2 in the driver: golden lines of the codec, then the projector against its simulated twin
(class 2 facts, status notifications without a poll, freeze, search)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from drivers.errors import DecodeError, Unsupported
from drivers.pjlink import codec
from drivers.pjlink.codec import Reply
from drivers.pjlink.device import PjlinkProjector
from drivers.pjlink.status_port import search, status_port
from sim.pjlink import Projector
from tests.functional.harness import rig

CLASS2 = "generic/pjlink-class2-projector"
CLASS1 = "epson/eb-l1075u"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_golden_class2_lines() -> None:
    assert codec.command("SNUM", "?", 2) == b"%2SNUM ?\r"
    assert codec.command("INNM", "?3A", 2) == b"%2INNM ?3A\r"
    assert codec.command("FREZ", "1", 2) == b"%2FREZ 1\r"
    assert codec.command("POWR", "1") == b"%1POWR 1\r"
    assert codec.SEARCH == b"%2SRCH\r"
    splitter = codec.LineSplitter()
    assert splitter.feed(b"%2INNM=HDMI 1\r%2CLSS=2\r%2RLMP=LMP-1 LMP-2\r%1POWR=OK\r") == [
        Reply("INNM", "HDMI 1", 2),
        Reply("CLSS", "2", 2),
        Reply("RLMP", "LMP-1 LMP-2", 2),
        Reply("POWR", "OK", 1),
    ]
    assert codec.parse_models("LMP-1 LMP-2") == ["LMP-1", "LMP-2"] and codec.parse_models("") == []
    assert codec.parse_input("3A") == "3A" and codec.parse_input("61") == "61"
    notified = codec.parse_datagram(b"%2POWR=1\r%2LKUP=00:1B:2C:3D:4E:5F\r")
    assert notified == [Reply("POWR", "1", 2), Reply("LKUP", "00:1B:2C:3D:4E:5F", 2)]
    assert codec.parse_mac("00:1B:2C:3D:4E:5F") == "00:1b:2c:3d:4e:5f"
    assert codec.parse_datagram(b"%2ACKN=00:1b:2c:3d:4e:5f") == [Reply("ACKN", "00:1b:2c:3d:4e:5f", 2)]
    with pytest.raises(DecodeError, match="MAC"):
        codec.parse_mac("00:1b")
    assert isinstance(codec.parse_datagram(b"PJLINK 0\r")[0], DecodeError)


async def test_class2_facts_and_notifications_without_a_poll(tmp_path: Path) -> None:
    port = free_udp_port()
    async with rig(tmp_path, "display", CLASS2, options={"notify_port": port}) as r:
        projector, twin = r.device, r.handle
        assert isinstance(projector, PjlinkProjector) and isinstance(twin, Projector)
        assert projector.klass == 2 and projector.info.extra["notifications"] is True
        extra = projector.info.extra
        assert extra["serial_number"] == "GP2X0001234" and extra["software_version"] == "2.10"
        assert extra["lamp_replacement_models"] == ["LMP-2X1"] and extra["filter_replacement_models"] == ["FLT-2X1"]
        assert extra["filter_hours"] == 150
        assert extra["input_names"] == {
            "computer": "COMPUTER",
            "hdbaset": "HDBaseT",
            "hdmi1": "HDMI 1",
            "hdmi2": "HDMI 2",
            "lan": "LAN",
        }
        polls = len(twin.received)
        twin.press_power(True)  # the remote control: nothing asks the projector from now on
        await r.until(lambda: projector.state.power_state == "on", what="POWR notification")
        twin.select_input("3A")
        await r.until(lambda: projector.state.input == "hdbaset", what="INPT notification")
        twin.set_error("filter", "warning")
        await r.until(lambda: projector.state.errors.get("filter") == "warning", what="ERST notification")
        twin.unplug()
        twin.replug()
        await r.until(lambda: projector.info.extra.get("mac") == "00:1b:2c:3d:4e:5f", what="LKUP notification")
        assert len(twin.received) == polls  # no request went out: the notifications did it all
        await projector.execute("freeze", {"on": True})
        assert twin.class2 is not None and twin.class2.frozen
        assert await search(twin.endpoint.host, twin.status.port, wait_s=0.3) == {
            twin.endpoint.host: "00:1b:2c:3d:4e:5f"
        }
    assert status_port(port).transport is None  # the listener closed with its last projector


async def test_a_taken_status_port_leaves_polling(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        port = taken.getsockname()[1]
        async with rig(tmp_path, "display", CLASS2, options={"notify_port": port}) as r:
            projector = r.device
            assert isinstance(projector, PjlinkProjector)
            assert projector.info.extra["notifications"] is False and projector.klass == 2
            await projector.poll()
            assert projector.state.power_state == "off"


async def test_freeze_needs_class2(tmp_path: Path) -> None:
    async with rig(tmp_path, "display", CLASS1) as r:
        projector = r.device
        assert isinstance(projector, PjlinkProjector) and projector.klass == 1
        assert "serial_number" not in projector.info.extra
        with pytest.raises(Unsupported, match="class 2"):
            await projector.execute("freeze", {"on": True})
