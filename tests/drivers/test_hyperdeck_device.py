"""HyperDeckRecorder against its simulator twin: what the recorder suite does not cover."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, ClassVar

import pytest

from drivers.errors import ConfigError, DeviceNak, NotExecutable
from drivers.factory import DeviceFactory
from drivers.hyperdeck.device import HyperDeckRecorder
from drivers.profiles import DEFAULT_PROFILE_DIR, ProfileLibrary
from sim.hyperdeck import HyperDeckHandle
from tests.functional.harness import Rig, rig

HD_PLUS = "blackmagic/hyperdeck-studio-hd-plus"
PRO_4K = "blackmagic/hyperdeck-studio-4k-pro"


def parts(r: Rig) -> tuple[HyperDeckRecorder, HyperDeckHandle]:
    assert isinstance(r.device, HyperDeckRecorder) and isinstance(r.handle, HyperDeckHandle)
    return r.device, r.handle


async def test_banner_identity_and_state(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", PRO_4K) as r:
        rec, _ = parts(r)
        assert rec.info.firmware == "1.12" and rec.info.firmware_label == "protocol 1.11+"
        assert rec.info.extra["model_reported"] == "HyperDeck Studio 4K Pro"
        assert rec.state.disk_present is True and rec.state.remaining_s == 21600
        assert rec.state.remote_enabled is True and rec.state.transport == "stopped"
        assert rec.state.timecode == "00:00:00:00"


async def test_an_old_protocol_version_takes_its_firmware_entry_options(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    (profiles / "protocols").mkdir(parents=True)
    (profiles / "models" / "blackmagic").mkdir(parents=True)
    shutil.copy(DEFAULT_PROFILE_DIR / "protocols" / "hyperdeck.yaml", profiles / "protocols")
    model = profiles / "models" / f"{HD_PLUS}.yaml"
    text = (DEFAULT_PROFILE_DIR / "models" / f"{HD_PLUS}.yaml").read_text()
    model.write_text(text.replace('protocol_version: "1.11"', 'protocol_version: "1.9"'))
    async with rig(tmp_path, "recorder", HD_PLUS, profiles_dir=profiles) as r:
        rec, _ = parts(r)
        assert rec.info.firmware == "1.9" and rec.info.firmware_label == "protocol 1.0-1.10"
        assert rec.options.remote_info is False
        assert rec.state.remote_enabled is None  # not asked of this firmware


async def test_notifications_update_the_state_without_a_poll(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", HD_PLUS) as r:
        rec, handle = parts(r)
        events: list[tuple[str, dict[str, Any]]] = []
        rec.add_event_listener(lambda name, data: events.append((name, data)))
        await rec.record("Court2_0930")
        assert handle.clip == "Court2_0930" and rec.state.clip == "Court2_0930" and rec.state.recording
        handle.set_disk(False)  # the card is pulled mid-hearing
        await r.until(lambda: rec.state.disk_present is False and rec.state.transport == "stopped", what="push")
        assert events == [("recording_stopped", {"transport": "stopped", "clip": "Court2_0930"})]
        assert rec.state.remaining_s is None


async def test_a_disk_filling_up_stops_the_recording_and_says_so(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", HD_PLUS) as r:
        rec, handle = parts(r)
        handle.set_disk(True, remaining_s=1)
        await r.until(lambda: rec.state.remaining_s == 1, what="slot notification")
        await rec.record("Short")
        await r.until(lambda: rec.state.transport == "stopped", what="stopped by a full disk")
        await r.until(lambda: rec.state.remaining_s == 0, what="no time left")
        with pytest.raises(NotExecutable, match="disk full"):
            await rec.record("Again")


async def test_refusals_map_to_typed_errors(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", HD_PLUS) as r:
        rec, handle = parts(r)
        handle.set_remote(False)  # no remote notifications asked: the unit's 111 tells
        with pytest.raises(NotExecutable, match="111 remote control disabled") as caught:
            await rec.record("X")
        assert caught.value.device_code == 111 and rec.state.remote_enabled is False
        handle.set_remote(True)
        await rec.poll()
        await rec.execute("play", {})
        assert handle.transport == "play"
        await rec.stop()
        with pytest.raises(DeviceNak, match="100 syntax error"):
            await rec._ask(b"fly\n", 200)


async def test_a_second_controller_is_rejected(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", HD_PLUS) as r:
        other = DeviceFactory(ProfileLibrary()).build("rec-2", HD_PLUS, r.sim.endpoints["dut"])
        try:
            with pytest.raises(NotExecutable, match="connection rejected") as caught:
                await other.connect()
            assert caught.value.device_code == 120
        finally:
            await other.close()
        await r.device.poll()


def test_room_option_typos_are_config_errors() -> None:
    factory = DeviceFactory(ProfileLibrary())
    with pytest.raises(ConfigError, match=r"rec: options\.notify\[0\]"):
        factory.build("rec", HD_PLUS, "tcp://10.0.0.9", options={"notify": ["transprot"]})


async def test_current_fields_reach_the_device_info(tmp_path: Path) -> None:
    async with rig(tmp_path, "recorder", HD_PLUS) as r:
        rec, _ = parts(r)
        assert rec.info.extra["unique_id"] == "7c2e0d0a1b2c" and rec.info.extra["software_version"] == "8.3"
        assert rec.info.extra["slot_count"] == 3 and rec.info.extra["device_name"] == "HyperDeck Studio HD Plus"
        assert rec.info.extra["input_video_format"] == "1080i50" and rec.info.extra["dynamic_range"] == "Rec709"
        await rec.record("Court2_0930")
        await rec.stop()
        clips = await rec.list_clips()
        assert [clip.name for clip in clips] == ["Court2_0930"] and clips[0].start is not None


class ScriptedDeck:
    """An old-firmware HyperDeck played from a script over TCP (scaffolding, not the simulator): it refuses
    `device info`, and its replies carry fields the driver does not know."""

    REPLIES: ClassVar[dict[bytes, bytes]] = {
        b"notify": b"200 ok\r\n",
        b"device info": b"100 syntax error\r\n",
        b"transport info": b"208 transport info:\r\nstatus: stopped\r\nspeed: 0\r\nslot id: 1\r\n"
        b"display timecode: 01:00:00:00\r\nfuture field: 7\r\n\r\n",
        b"slot info": b"202 slot info:\r\nslot id: 1\r\nstatus: mounted\r\nrecording time: 600\r\nnew: x\r\n\r\n",
    }

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"500 connection info:\r\nprotocol version: 1.6\r\nmodel: HyperDeck Studio\r\n\r\n")
        while line := (await reader.readline()).strip():
            self.lines.append(line)
            writer.write(self.REPLIES.get(line.partition(b":")[0], b"103 unsupported\r\n"))
        writer.close()


async def test_an_old_firmware_and_unknown_fields_are_tolerated() -> None:
    deck = ScriptedDeck()
    server = await asyncio.start_server(deck.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    rec = DeviceFactory(ProfileLibrary()).build("rec", HD_PLUS, f"tcp://127.0.0.1:{port}")
    assert isinstance(rec, HyperDeckRecorder)
    try:
        await rec.connect()
        assert rec.info.firmware == "1.6" and "unique_id" not in rec.info.extra
        assert rec.state.transport == "stopped" and rec.state.timecode == "01:00:00:00"
        assert rec.state.disk_present is True and rec.state.remaining_s == 600
        assert b"device info" in deck.lines and b"remote" not in deck.lines  # not asked of 1.6
    finally:
        await rec.close()
        server.close()
        await server.wait_closed()
