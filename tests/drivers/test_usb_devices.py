"""The USB drivers against the fake libusb backend, built by the DeviceFactory from the shipped profiles."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.devices.base import Device
from drivers.errors import ConfigError, DecodeError, DeviceNak, InvalidArgument, TransportLost, Unsupported
from drivers.factory import DeviceFactory
from drivers.profiles import ProfileLibrary
from drivers.usb import backend as usb_backend
from drivers.usb import uvc
from drivers.usb.audio import UacDevice
from drivers.usb.camera import UvcCamera
from drivers.usb.hid import HidButton, HidLight
from sim.usb.backend import FakeUsbBackend
from sim.usb.hid import FakeHidButton, FakeHidLight, LightLayout
from sim.usb.uac import FakeUacDevice, UacChannel
from sim.usb.uvc import FakeUvcCamera

PTZ = "usb:046d:085f"


@pytest.fixture
def bus() -> Iterator[FakeUsbBackend]:
    """A fresh simulated bus, injected as the drivers' backend for the test."""
    fake = FakeUsbBackend()
    usb_backend.set_backend(fake)
    yield fake
    usb_backend.set_backend(None)


@pytest.fixture(scope="module")
def factory_library() -> ProfileLibrary:
    return ProfileLibrary()


@pytest.fixture
def factory(factory_library: ProfileLibrary) -> DeviceFactory:
    return DeviceFactory(factory_library)


@pytest.fixture
async def closing() -> AsyncIterator[list[Device]]:
    """Devices to close after the test (their worker threads must end)."""
    devices: list[Device] = []
    yield devices
    for device in devices:
        await device.close()


def build(factory: DeviceFactory, closing: list[Device], ref: str, port: str, **options: Any) -> Any:
    device = factory.build(ref.rsplit("/", 1)[-1], ref, port, options=options)
    closing.append(device)
    return device


# -- UVC camera ---------------------------------------------------------------------------------------------
async def test_camera_reads_ranges_and_moves(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device], tmp_path: Path
) -> None:
    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F, "CAM1", zoom=(100, 500, 1)))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ, state_dir=str(tmp_path))
    await cam.connect()
    assert cam.device_ranges == {
        "zoom": uvc.AxisRange(100, 500, 1),
        "pan": uvc.AxisRange(-612000, 612000, 3600),
        "tilt": uvc.AxisRange(-108000, 108000, 3600),
    }
    assert cam.snapshot() == {"power": True, "zoom": 100, "pan": 0, "tilt": 0, "moving": False, "preset": None}
    with pytest.raises(
        InvalidArgument, match=r"position: 800 is outside 100..500"
    ):  # the camera's range, not the profile's
        await cam.zoom_to(800)
    await cam.zoom_to(300)
    await cam.pan_tilt_to(3600, -7200)
    assert (fake.zoom, fake.pan, fake.tilt) == (300, 3600, -7200)
    await cam.pan_tilt_by(-7200, 3600)
    assert (fake.pan, fake.tilt) == (-3600, -3600)
    fake.garble()
    with pytest.raises(DecodeError, match="zoom absolute: expected 2 bytes, got 1"):
        await cam.poll()
    await cam.pan_tilt_by(-(10**6), 0)  # kept in range
    assert fake.pan == -612000
    await cam.home()
    assert (fake.zoom, fake.pan, fake.tilt) == (100, 0, 0)
    assert cam.snapshot()["moving"] is False


async def test_camera_relative_drives(bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]) -> None:
    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F, max_speed=1))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    await cam.connect()
    await cam.pan_tilt("right", "up")
    assert cam.state.moving and fake.moving
    await asyncio.sleep(0.05)
    await cam.pan_tilt("stop", "stop")
    assert fake.pan > 0 and fake.tilt > 0 and not fake.moving
    await cam.zoom("tele")
    await asyncio.sleep(0.05)
    await cam.zoom("stop")
    assert fake.zoom > 100
    assert not cam.state.moving
    with pytest.raises(InvalidArgument, match=r"pan_speed: 3 is outside 1..1"):
        await cam.pan_tilt("left", "stop", pan_speed=3)
    with pytest.raises(Unsupported, match=r"no 'power' capability"):
        await cam.power(False)


async def test_presets_are_kept_by_the_controller_and_recalled(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device], tmp_path: Path
) -> None:
    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F, "CAM1"))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ + ":CAM1", state_dir=str(tmp_path / "presets"))
    await cam.connect()
    await cam.zoom_to(250)
    await cam.pan_tilt_to(36000, -18000)
    await cam.store_preset(2)
    stored = json.loads((tmp_path / "presets" / "ptz-pro-2.json").read_text())
    assert stored == {"2": {"pan": 36000, "tilt": -18000, "zoom": 250}}
    await cam.home()
    await cam.close()

    again: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ + ":CAM1", state_dir=str(tmp_path / "presets"))
    await again.connect()  # a new driver (a restarted daemon) reads the presets back
    await again.recall_preset(2)
    assert (fake.pan, fake.tilt, fake.zoom) == (36000, -18000, 250)
    assert again.snapshot()["preset"] == 2
    with pytest.raises(InvalidArgument, match=r"preset: 3 is not stored"):
        await again.recall_preset(3)
    await again.reset_preset(2)
    assert json.loads((tmp_path / "presets" / "ptz-pro-2.json").read_text()) == {}
    with pytest.raises(InvalidArgument, match=r"preset: 16 is outside 0..15"):
        await again.recall_preset(16)


async def test_moving_until_a_slow_camera_arrives(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    now = [0.0]
    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F, rates=(36000, 36000, 100), clock=lambda: now[0]))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    await cam.connect()
    await cam.pan_tilt_to(72000, 0)
    assert cam.state.moving and fake.pan == 0
    now[0] = 1.0
    await cam.poll()
    assert cam.state.pan == 36000 and cam.state.moving
    now[0] = 2.5
    await cam.poll()
    assert cam.state.pan == 72000 and not cam.state.moving


async def test_a_stall_is_a_device_nak_with_the_uvc_error_code(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    bus.plug(FakeUvcCamera(0x046D, 0x085F))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    await cam.connect()
    with pytest.raises(DeviceNak, match=r"stalled the request.*out of range") as info:
        await cam._set(uvc.PANTILT_ABSOLUTE, 10**7, 0)  # past the validation, as a bug would be
    assert info.value.device_code == 4
    with pytest.raises(DeviceNak, match=r"invalid control") as info:
        await cam._get(uvc.Control("focus absolute", 0x06, "<H"))
    assert info.value.device_code == 6


async def test_a_wrong_terminal_id_is_named_at_connect(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    bus.plug(FakeUvcCamera(0x046D, 0x085F))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ, terminal_id=3)
    with pytest.raises(DeviceNak, match=r"no pan, tilt or zoom control on camera terminal 3"):
        await cam.connect()
    assert not cam.link.is_open


async def test_unplug_is_transport_lost_and_replug_connects_again(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F, "A"))
    bus.plug(FakeUvcCamera(0x046D, 0x085F, "B"))  # same model, another serial: never picked
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ + ":A")
    await cam.connect()
    await cam.poll()
    fake.unplug()
    with pytest.raises(TransportLost, match=r"usb:046d:085f:A was unplugged"):
        await cam.poll()
    with pytest.raises(TransportLost, match=r"the device is gone"):
        await cam.zoom_to(200)
    await cam.close()
    with pytest.raises(TransportLost, match=r"is not on the USB bus"):
        await cam.connect()
    fake.replug()
    await cam.connect()
    await cam.zoom_to(200)
    assert fake.zoom == 200


async def test_a_silent_device_times_out(bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]) -> None:
    from drivers.errors import DeviceTimeout

    fake = bus.plug(FakeUvcCamera(0x046D, 0x085F))
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    await cam.connect()
    fake.fall_silent()
    with pytest.raises(DeviceTimeout):
        await cam.poll()


def test_builders_name_the_bad_key(factory: DeviceFactory, closing: list[Device]) -> None:
    with pytest.raises(ConfigError, match=r"cam: transport\.port: '/dev/video0' is not usb:VID:PID"):
        factory.build("cam", "logitech/ptz-pro-2", "/dev/video0")
    with pytest.raises(ConfigError, match=r"cam: options\.zoom_speed: unknown key"):
        factory.build("cam", "logitech/ptz-pro-2", PTZ, options={"zoom_speed": 2})
    with pytest.raises(ConfigError, match=r"mic: points\.bad\.tag: tag 'Level1' is not fu<unit>"):
        factory.build("mic", "generic/usb-audio-mic", "usb:0d8c:0014", options={"points": {"bad": {"tag": "Level1"}}})
    with pytest.raises(ConfigError, match=r"light: options\.color: unknown key"):
        factory.build("light", "generic/hid-status-light", "usb:16c0:05df", options={"color": "red"})


# -- UAC feature unit ---------------------------------------------------------------------------------------
async def test_uac_levels_mutes_and_ranges(bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]) -> None:
    units = {2: {0: UacChannel(-40 * 256, 6 * 256, 128, 0), 1: UacChannel(), 2: UacChannel()}}
    fake = bus.plug(FakeUacDevice(0x0D8C, 0x0014, units=units))
    mic: UacDevice = build(factory, closing, "generic/usb-audio-mic", "usb:0d8c:0014")
    await mic.connect()
    assert mic.points["master"].min_db == -40 and mic.points["master"].max_db == 6  # read from the device
    assert mic.snapshot()["points"]["master"] == {"level_db": 0.0, "mute": False}
    await mic.set_level("master", -10.3)  # snapped to the 0.5 dB steps
    assert fake.channel(2).volume == -10.5 * 256
    assert mic.snapshot()["points"]["master"]["level_db"] == -10.5
    await mic.set_mute("left", True)
    assert fake.channel(2, 1).mute and not fake.channel(2, 0).mute
    with pytest.raises(InvalidArgument, match=r"level_db: 3 is outside -60.0..0.0 for left"):
        await mic.set_level("left", 3)
    fake.channel(2, 2).volume = -0x8000  # the device reports silence
    await mic.poll()
    assert mic.snapshot()["points"]["right"] == {"level_db": None, "mute": False}


async def test_uac_point_the_device_lacks_fails_connect(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    bus.plug(FakeUacDevice(0x0D8C, 0x0014))
    mic: UacDevice = build(factory, closing, "generic/usb-audio-mic", "usb:0d8c:0014", points={"booth": {"tag": "fu9"}})
    with pytest.raises(DeviceNak, match=r"point booth .*volume range not readable.*stalled"):
        await mic.connect()


# -- HID light and button -----------------------------------------------------------------------------------
LIGHT_LAYOUT = LightLayout(report_length=8, color_offset=0, blink_offset=3, colors={"red": (255, 0, 0)})


async def test_light_shows_what_was_set_and_again_after_a_replug(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    fake = bus.plug(FakeHidLight(0x16C0, 0x05DF, layout=LIGHT_LAYOUT))
    light: HidLight = build(factory, closing, "generic/hid-status-light", "usb:16c0:05df")
    await light.connect()
    assert light.snapshot() == {"on": None, "color": None}
    await light.set(True)
    assert fake.rgb == (255, 0, 0) and not fake.blinking
    assert light.snapshot() == {"on": True, "color": "red"}
    await light.set(True, "green", blink=True)
    assert fake.rgb == (0, 255, 0) and fake.blinking
    with pytest.raises(InvalidArgument, match=r"color: 'purple' is not a colour of this light"):
        await light.set(True, "purple")
    await light.set(True, "red")
    fake.unplug()
    assert not fake.on
    with pytest.raises(TransportLost):
        await light.poll()
    await light.close()
    fake.replug()
    await light.connect()
    assert fake.rgb == (255, 0, 0)  # the light is shown its state again
    await light.set(False)
    assert not fake.on and light.snapshot() == {"on": False, "color": "red"}


async def test_button_presses_are_events_and_counted(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device]
) -> None:
    fake = bus.plug(FakeHidButton(0x0C45, 0x7403, report_length=8, button_byte=2, button_value=0x05))
    button: HidButton = build(factory, closing, "generic/usb-foot-switch", "usb:0c45:7403")
    events: list[tuple[str, dict[str, Any]]] = []
    button.add_event_listener(lambda event, data: events.append((event, data)))
    await button.connect()
    assert button.snapshot() == {"pressed": False, "presses": 0}
    fake.press()
    await _until(lambda: button.pressed is True)
    fake.release()
    fake.tap()
    await _until(lambda: button.presses == 2 and button.pressed is False)
    assert events == [
        ("pressed", {"presses": 1}),
        ("released", {"presses": 1}),
        ("pressed", {"presses": 2}),
        ("released", {"presses": 2}),
    ]
    await button.poll()
    fake.unplug()
    with pytest.raises(TransportLost):
        await _until_raises(button.poll)
    await button.close()
    fake.replug()
    await button.connect()
    fake.press()
    await _until(lambda: button.presses == 3)


async def _until(condition: Any, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the device state is a plain attribute
            await asyncio.sleep(0.01)


async def _until_raises(call: Any, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            await call()
            await asyncio.sleep(0.01)


async def test_presets_default_under_the_factory_state_dir_or_in_memory(
    bus: FakeUsbBackend, factory: DeviceFactory, closing: list[Device], tmp_path: Path
) -> None:
    bus.plug(FakeUvcCamera(0x046D, 0x085F))
    in_memory: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    assert in_memory.presets.path is None
    await in_memory.connect()
    await in_memory.store_preset(0)
    await in_memory.recall_preset(0)
    await in_memory.close()
    factory.state_dir = tmp_path / "state"  # type: ignore[attr-defined]  # a factory that knows the room's
    cam: UvcCamera = build(factory, closing, "logitech/ptz-pro-2", PTZ)
    assert cam.presets.path == tmp_path / "state" / "uvc-presets" / "ptz-pro-2.json"
    await cam.connect()
    await cam.store_preset(1)
    assert cam.presets.path.exists()
