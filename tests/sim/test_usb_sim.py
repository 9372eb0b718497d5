"""The fake libusb backend driven with plain pyusb calls, as any third-party program would use a real bus."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import pytest
import usb.core
import usb.util

from sim import room as sim_room
from sim.usb import backend as sim_usb
from sim.usb.backend import FakeUsbBackend
from sim.usb.hid import FakeHidButton, FakeHidLight, LightLayout
from sim.usb.uac import FakeUacDevice
from sim.usb.uvc import FakeUvcCamera


@pytest.fixture
def bus() -> FakeUsbBackend:
    return FakeUsbBackend()


def test_find_by_ids_and_read_strings(bus: FakeUsbBackend) -> None:
    bus.plug(FakeUvcCamera(0x046D, 0x085F, "CAM-1", product="PTZ Pro 2"))
    bus.plug(FakeHidLight(0x16C0, 0x05DF))
    assert usb.core.find(backend=bus, idVendor=0x1234) is None
    dev = usb.core.find(backend=bus, idVendor=0x046D, idProduct=0x085F)
    assert dev is not None
    assert (dev.serial_number, dev.product, dev.manufacturer) == ("CAM-1", "PTZ Pro 2", "Simulated")
    assert len(list(usb.core.find(find_all=True, backend=bus))) == 2
    cfg = dev.get_active_configuration()
    assert [(i.bInterfaceNumber, i.bInterfaceClass, i.bInterfaceSubClass) for i in cfg] == [(0, 0x0E, 1), (1, 0x0E, 2)]
    usb.util.dispose_resources(dev)


def test_uvc_call_trace_matches_the_observed_one(bus: FakeUsbBackend) -> None:
    """protocols.md 6.3: enumerate, descriptor, open, claim(0), SET_CUR and GET_CUR pan/tilt, release, close."""
    bus.plug(FakeUvcCamera(0x046D, 0x085F))
    bus.calls = []
    dev = usb.core.find(backend=bus, idVendor=0x046D)
    assert dev.ctrl_transfer(0x21, 0x01, 0x0D00, 0x0100, struct.pack("<ii", 3600, -7200)) == 8
    reply = dev.ctrl_transfer(0xA1, 0x81, 0x0D00, 0x0100, 8)
    assert struct.unpack("<ii", bytes(reply)) == (3600, -7200)
    usb.util.dispose_resources(dev)
    assert bus.calls == [
        ("enumerate_devices",),
        ("get_device_descriptor",),
        ("open_device",),
        ("claim_interface", 0),
        ("ctrl_transfer", 0x21, 0x01, 0x0D00, 0x0100, 8),
        ("ctrl_transfer", 0xA1, 0x81, 0x0D00, 0x0100, 8),
        ("release_interface", 0),
        ("close_device",),
    ]


def test_uvc_ranges_and_invalid_requests_stall(bus: FakeUsbBackend) -> None:
    cam = bus.plug(FakeUvcCamera(0x046D, 0x085F, zoom=(100, 500, 1)))
    dev = usb.core.find(backend=bus, idVendor=0x046D)
    assert bytes(dev.ctrl_transfer(0xA1, 0x83, 0x0B00, 0x0100, 2)) == bytes.fromhex("F401")  # GET_MAX zoom
    assert bytes(dev.ctrl_transfer(0xA1, 0x86, 0x0B00, 0x0100, 1)) == b"\x03"  # GET_INFO: GET + SET
    dev.ctrl_transfer(0x21, 0x01, 0x0B00, 0x0100, bytes.fromhex("2C01"))  # zoom 300
    assert cam.zoom == 300
    for request, code in [
        ((0x21, 0x01, 0x0B00, 0x0100, bytes.fromhex("F401F4")), 7),  # wrong length
        ((0x21, 0x01, 0x0B00, 0x0100, bytes.fromhex("E803")), 4),  # zoom 1000: out of range
        ((0xA1, 0x81, 0x0600, 0x0100, 2), 6),  # focus: a control this camera lacks
        ((0xA1, 0x81, 0x0B00, 0x0500, 2), 5),  # entity 5: no such unit
        ((0x21, 0x01, 0x0E00, 0x0100, bytes([2, 1, 0, 1])), 8),  # pan direction 2
    ]:
        with pytest.raises(usb.core.USBError) as info:
            dev.ctrl_transfer(*request)
        assert info.value.errno == errno.EPIPE and info.value.backend_error_code == -9
        assert bytes(dev.ctrl_transfer(0xA1, 0x81, 0x0200, 0x0000, 1)) == bytes([code])  # request error code
    assert cam.zoom == 300
    usb.util.dispose_resources(dev)


def test_uac_feature_unit(bus: FakeUsbBackend) -> None:
    mic = bus.plug(FakeUacDevice(0x0D8C, 0x0014))
    dev = usb.core.find(backend=bus, idVendor=0x0D8C)
    dev.ctrl_transfer(0x21, 0x01, 0x0100, 0x0200, b"\x01")  # mute master
    dev.ctrl_transfer(0x21, 0x01, 0x0201, 0x0200, bytes.fromhex("00F6"))  # channel 1 to -10 dB
    assert mic.channel(2).mute and mic.channel(2, 1).level_db == -10.0
    assert bytes(dev.ctrl_transfer(0xA1, 0x82, 0x0200, 0x0200, 2)) == struct.pack("<h", -60 * 256)
    assert bytes(dev.ctrl_transfer(0xA1, 0x84, 0x0200, 0x0200, 2)) == bytes.fromhex("0001")  # 1 dB steps
    for request in [
        (0x21, 0x01, 0x0200, 0x0200, bytes.fromhex("0080")),  # SET the -inf code: CUR only
        (0xA1, 0x82, 0x0100, 0x0200, 1),  # GET_MIN of mute
        (0xA1, 0x81, 0x0209, 0x0200, 2),  # channel 9
        (0xA1, 0x81, 0x0200, 0x0700, 2),  # unit 7
    ]:
        with pytest.raises(usb.core.USBError) as info:
            dev.ctrl_transfer(*request)
        assert info.value.errno == errno.EPIPE
    usb.util.dispose_resources(dev)


def test_hid_light_and_button_over_interrupt_endpoints(bus: FakeUsbBackend) -> None:
    layout = LightLayout(report_length=8, blink_offset=3, colors={"red": (255, 0, 0)})
    light = bus.plug(FakeHidLight(0x16C0, 0x05DF, layout=layout))
    button = bus.plug(FakeHidButton(0x0C45, 0x7403, button_byte=2, button_value=5))
    dev = usb.core.find(backend=bus, idVendor=0x16C0)
    dev.set_configuration()
    assert dev.write(0x01, bytes([255, 0, 0, 1, 0, 0, 0, 0])) == 8
    assert light.color == "red" and light.blinking
    with pytest.raises(usb.core.USBError) as info:
        dev.write(0x01, bytes(3))
    assert info.value.errno == errno.EPIPE
    usb.util.dispose_resources(dev)

    switch = usb.core.find(backend=bus, idVendor=0x0C45)
    with pytest.raises(usb.core.USBTimeoutError):
        switch.read(0x81, 8, 20)
    button.press()
    assert bytes(switch.read(0x81, 8, 20)) == bytes([0, 0, 5, 0, 0, 0, 0, 0])
    button.release()
    assert bytes(switch.read(0x81, 8, 20)) == bytes(8)
    usb.util.dispose_resources(switch)


def test_unplug_and_replug(bus: FakeUsbBackend) -> None:
    cam = bus.plug(FakeUvcCamera(0x046D, 0x085F))
    dev = usb.core.find(backend=bus, idVendor=0x046D)
    first_address = dev.address
    cam.unplug()
    assert usb.core.find(backend=bus, idVendor=0x046D) is None
    with pytest.raises(usb.core.USBError) as info:
        dev.ctrl_transfer(0xA1, 0x81, 0x0B00, 0x0100, 2)
    assert info.value.errno == errno.ENODEV
    cam.replug()
    again = usb.core.find(backend=bus, idVendor=0x046D)
    assert again is not None and again.address != first_address
    assert bytes(again.ctrl_transfer(0xA1, 0x81, 0x0B00, 0x0100, 2)) == struct.pack("<H", 100)
    usb.util.dispose_resources(dev)
    usb.util.dispose_resources(again)


ROOM = """
room: {id: usb-room}
devices:
  - {id: cam, kind: camera, profile: logitech/ptz-pro-2, transport: {port: "usb:046d:085f:CAM9"}}
  - {id: mic, kind: audio_processor, profile: generic/usb-audio-mic, transport: {port: "usb:0d8c:0014"}}
  - {id: light, kind: indicator, profile: generic/hid-status-light, transport: {port: "usb:16c0:05df"}}
  - {id: pedal, kind: button, profile: generic/usb-foot-switch, transport: {port: "usb:0c45:7403"}}
"""


async def test_a_room_plugs_its_usb_devices_into_the_bus(tmp_path: Path) -> None:
    config = tmp_path / "room.yaml"
    config.write_text(ROOM)
    async with sim_room.SimulatedRoom(config, tmp_path / "run") as room:
        assert room.endpoints["cam"] == "usb:046d:085f:CAM9"
        cam = room.device("cam")
        assert isinstance(cam, FakeUvcCamera) and cam in sim_usb.BUS.devices
        dev = usb.core.find(backend=sim_usb.BUS, idVendor=0x046D, idProduct=0x085F)
        assert dev.serial_number == "CAM9"
        assert bytes(dev.ctrl_transfer(0xA1, 0x83, 0x0B00, 0x0100, 2)) == struct.pack("<H", 1000)  # profile's zoom
        usb.util.dispose_resources(dev)
        pedal = room.device("pedal")
        assert isinstance(pedal, FakeHidButton) and pedal.button_byte == 2 and pedal.button_value == 5
        out = tmp_path / "out.yaml"
        room.write_config(out)
        assert "usb:046d:085f:CAM9" in out.read_text()
    assert not sim_usb.BUS.devices
