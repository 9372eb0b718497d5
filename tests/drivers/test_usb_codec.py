"""Golden request layouts for UVC and UAC (docs/protocols.md 6.1 and 6.2), dB conversion, port strings, HID
report layout: all without I/O."""

from __future__ import annotations

import math

import pytest

from drivers.errors import ConfigError, DecodeError
from drivers.usb import uac, uvc
from drivers.usb.control import GET_CUR, GET_INFO, GET_MAX, GET_MIN, GET_RES, ControlRequest
from drivers.usb.enumerate import UsbAddress
from drivers.usb.hid import HidButtonOptions, HidLightOptions, light_report

CT = uvc.Terminal(terminal_id=1, interface=0)


def wire(request: ControlRequest) -> str:
    data = request.data.hex(" ").upper() if request.data else ""
    return f"{request.setup().hex(' ').upper()}  {data}".strip()


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (CT.set(uvc.ZOOM_ABSOLUTE, 300), "21 01 00 0B 00 01 02 00  2C 01"),
        (CT.get(uvc.ZOOM_ABSOLUTE, GET_MAX), "A1 83 00 0B 00 01 02 00"),
        (CT.set(uvc.PANTILT_ABSOLUTE, 3600, -7200), "21 01 00 0D 00 01 08 00  10 0E 00 00 E0 E3 FF FF"),
        (CT.get(uvc.PANTILT_ABSOLUTE), "A1 81 00 0D 00 01 08 00"),
        (CT.set(uvc.ZOOM_RELATIVE, *uvc.zoom_relative(1, 1)), "21 01 00 0C 00 01 03 00  01 00 01"),
        (CT.set(uvc.ZOOM_RELATIVE, *uvc.zoom_relative(0, 1)), "21 01 00 0C 00 01 03 00  00 00 01"),
        (CT.get(uvc.ZOOM_ABSOLUTE, GET_INFO), "A1 86 00 0B 00 01 01 00"),
        (CT.set(uvc.PANTILT_RELATIVE, *uvc.pantilt_relative(-1, 2, 1, 3)), "21 01 00 0E 00 01 04 00  FF 02 01 03"),
        (CT.error_code(), "A1 81 00 02 00 00 01 00"),
    ],
)
def test_uvc_golden_vectors(request_: ControlRequest, expected: str) -> None:
    assert wire(request_) == expected


def test_uvc_reply_parsing_and_other_terminals() -> None:
    assert uvc.ZOOM_ABSOLUTE.decode(bytes.fromhex("F401")) == (500,)
    assert uvc.PANTILT_ABSOLUTE.decode(bytes.fromhex("100E0000E0E3FFFF")) == (3600, -7200)
    assert uvc.Terminal(terminal_id=2, interface=1).w_index == 0x0201
    with pytest.raises(DecodeError, match="expected 8 bytes, got 7"):
        uvc.PANTILT_ABSOLUTE.decode(bytes(7))
    assert uvc.describe_info(0x03) == "get, set"


def test_axis_range_snaps_to_steps_and_centre() -> None:
    pan = uvc.AxisRange(-612000, 612000, 3600)
    assert pan.snap(3599) == 3600
    assert pan.snap(1799) == 0
    assert pan.snap(10**9) == 612000
    assert pan.centre == 0
    odd = uvc.AxisRange(1, 10, 4)  # steps 1, 5, 9: 10 is not a step
    assert odd.snap(10) == 9
    assert uvc.AxisRange(100, 500).centre == 300


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (uac.Channel(unit=2).set_mute(True), "21 01 00 01 00 02 01 00  01"),
        (uac.Channel(unit=2).set_volume(-10.0), "21 01 00 02 00 02 02 00  00 F6"),
        (uac.Channel(unit=2).get(uac.VOLUME, GET_MIN), "A1 82 00 02 00 02 02 00"),
        (uac.Channel(unit=2).get(uac.VOLUME, GET_RES), "A1 84 00 02 00 02 02 00"),
        (uac.Channel(unit=5, channel=1, interface=3).get(uac.MUTE, GET_CUR), "A1 81 01 01 03 05 01 00"),
    ],
)
def test_uac_golden_vectors(request_: ControlRequest, expected: str) -> None:
    assert wire(request_) == expected


def test_uac_db_conversion_and_the_silence_code() -> None:
    assert uac.raw_to_db(0x7FFF) == pytest.approx(127.996, abs=1e-3)
    assert uac.raw_to_db(-0x7FFF) == pytest.approx(-127.996, abs=1e-3)  # 0x8001
    assert uac.raw_to_db(-0x8000) == -math.inf  # 0x8000: silence, CUR only
    assert uac.raw_to_db(-2560) == -10.0
    assert uac.db_to_raw(-10.0) == -2560
    assert uac.db_to_raw(0.5 / 256) in (0, 1)
    assert uac.db_to_raw(200) == 0x7FFF
    assert uac.db_to_raw(-200) == -0x7FFF  # never the silence code
    assert uac.db_to_raw(-math.inf) == -0x7FFF
    with pytest.raises(ValueError):
        uac.db_to_raw(math.nan)
    assert uac.VOLUME.decode(bytes.fromhex("0080")) == (-0x8000,)


def test_uac_point_tags() -> None:
    assert uac.parse_tag("fu2") == uac.Channel(2, 0, 0)
    assert uac.parse_tag("fu10.2", interface=1) == uac.Channel(10, 2, 1)
    for bad in ("2", "fu", "fu2.x", "FU2", "fu0", "fu300"):
        with pytest.raises(ValueError):
            uac.parse_tag(bad)


def test_usb_port_strings() -> None:
    assert UsbAddress.parse("usb:046d:085f") == UsbAddress(0x046D, 0x085F, None)
    assert UsbAddress.parse("usb:46D:85F:A1B2") == UsbAddress(0x046D, 0x085F, "A1B2")
    assert str(UsbAddress(0x046D, 0x085F, "X9")) == "usb:046d:085f:X9"
    for bad in ("/dev/ttyUSB0", "usb:046d", "usb:zz:085f", "usb:12345:1", "usb:046d:085f:"):
        with pytest.raises(ConfigError, match=r"cam: transport\.port: .* is not usb:VID:PID"):
            UsbAddress.parse(bad, "cam: transport.port")


def test_hid_light_report_layout() -> None:
    opts = HidLightOptions(report_id=2, report_length=8, color_offset=1, blink_offset=5)
    assert light_report(opts, True, "green", False).hex(" ") == "02 00 00 ff 00 00 00 00 00"
    assert light_report(opts, True, None, True).hex(" ") == "02 00 ff 00 00 00 01 00 00"  # default colour red
    assert light_report(opts, False, "green", True) == bytes([2]) + bytes(8)
    with pytest.raises(ValueError, match="do not fit"):
        HidLightOptions(report_length=4, color_offset=2)
    with pytest.raises(ValueError, match="outside"):
        HidButtonOptions(report_length=4, button_byte=4)
