"""Golden vectors for the VISCA codec, typed straight from docs/protocols.md section 1 (x = address 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.errors import DecodeError, InvalidArgument
from drivers.visca import codec
from drivers.visca.codec import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorCode,
    ErrorReply,
    IfClearBroadcast,
    InquiryAnswer,
    NetworkChange,
    Version,
    decode_reply,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# (what, encoder call, bytes from protocols.md)
ENCODER_VECTORS: list[tuple[str, Callable[[], bytes], str]] = [
    # the worked examples
    ("power on", lambda: codec.power(1, True), "81 01 04 00 02 FF"),
    ("zoom direct 0x4000", lambda: codec.zoom_direct(1, 0x4000), "81 01 04 47 04 00 00 00 FF"),
    (
        "absolute pan +0x0990 tilt -0x01B0 max speed",
        lambda: codec.pan_tilt_absolute(1, 0x0990, -0x01B0, 0x18, 0x14),
        "81 01 06 02 18 14 00 09 09 00 0F 0E 05 00 FF",
    ),
    ("pan/tilt position inquiry", lambda: codec.inquire_pan_tilt(1), "81 09 06 12 FF"),
    ("recall preset 3", lambda: codec.preset(1, "recall", 3), "81 01 04 3F 02 03 FF"),
    # the command table
    ("standby", lambda: codec.power(1, False), "81 01 04 00 03 FF"),
    ("zoom stop", lambda: codec.zoom(1, "stop"), "81 01 04 07 00 FF"),
    ("zoom tele standard", lambda: codec.zoom(1, "tele"), "81 01 04 07 02 FF"),
    ("zoom wide standard", lambda: codec.zoom(1, "wide"), "81 01 04 07 03 FF"),
    ("zoom tele variable 0", lambda: codec.zoom(1, "tele", 0), "81 01 04 07 20 FF"),
    ("zoom tele variable 7", lambda: codec.zoom(1, "tele", 7), "81 01 04 07 27 FF"),
    ("zoom wide variable 5", lambda: codec.zoom(1, "wide", 5), "81 01 04 07 35 FF"),
    ("zoom direct wide end", lambda: codec.zoom_direct(1, 0x0000), "81 01 04 47 00 00 00 00 FF"),
    ("zoom direct digital 0x7AC0", lambda: codec.zoom_direct(1, 0x7AC0), "81 01 04 47 07 0A 0C 00 FF"),
    ("drive left", lambda: codec.pan_tilt_drive(1, "left", "stop", 0x18, 0x14), "81 01 06 01 18 14 01 03 FF"),
    ("drive right", lambda: codec.pan_tilt_drive(1, "right", "stop", 0x01, 0x01), "81 01 06 01 01 01 02 03 FF"),
    ("drive up", lambda: codec.pan_tilt_drive(1, "stop", "up", 0x05, 0x07), "81 01 06 01 05 07 03 01 FF"),
    ("drive down", lambda: codec.pan_tilt_drive(1, "stop", "down", 0x05, 0x07), "81 01 06 01 05 07 03 02 FF"),
    ("drive up-left", lambda: codec.pan_tilt_drive(1, "left", "up", 0x10, 0x10), "81 01 06 01 10 10 01 01 FF"),
    ("drive stop", lambda: codec.pan_tilt_drive(1, "stop", "stop", 0x18, 0x14), "81 01 06 01 18 14 03 03 FF"),
    (
        "relative pan +0x0990 tilt -0x01B0",
        lambda: codec.pan_tilt_relative(1, 0x0990, -0x01B0, 0x18, 0x14),
        "81 01 06 03 18 14 00 09 09 00 0F 0E 05 00 FF",
    ),
    ("home", lambda: codec.pan_tilt_home(1), "81 01 06 04 FF"),
    ("reset", lambda: codec.pan_tilt_reset(1), "81 01 06 05 FF"),
    ("preset reset 0", lambda: codec.preset(1, "reset", 0), "81 01 04 3F 00 00 FF"),
    ("preset set 5", lambda: codec.preset(1, "set", 5), "81 01 04 3F 01 05 FF"),
    ("preset recall 0x7F (obs-ptz max)", lambda: codec.preset(1, "recall", 0x7F), "81 01 04 3F 02 7F FF"),
    ("cancel socket 1", lambda: codec.cancel(1, 1), "81 21 FF"),
    ("cancel socket 2", lambda: codec.cancel(1, 2), "81 22 FF"),
    ("IF_Clear one camera", lambda: codec.if_clear(1), "81 01 00 01 FF"),
    ("IF_Clear broadcast", lambda: codec.IF_CLEAR_BROADCAST, "88 01 00 01 FF"),
    ("AddressSet broadcast", lambda: codec.ADDRESS_SET_BROADCAST, "88 30 01 FF"),
    # inquiries
    ("power inquiry", lambda: codec.inquire_power(1), "81 09 04 00 FF"),
    ("zoom inquiry", lambda: codec.inquire_zoom(1), "81 09 04 47 FF"),
    ("version inquiry", lambda: codec.inquire_version(1), "81 09 00 02 FF"),
    # other addresses: header 8x
    ("power on, camera 7", lambda: codec.power(7, True), "87 01 04 00 02 FF"),
    ("recall preset 3, camera 2", lambda: codec.preset(2, "recall", 3), "82 01 04 3F 02 03 FF"),
]


@pytest.mark.parametrize(("what", "encode", "expected"), ENCODER_VECTORS, ids=[v[0] for v in ENCODER_VECTORS])
def test_encoder_golden(what: str, encode: Callable[[], bytes], expected: str) -> None:
    assert encode() == h(expected)


DECODER_VECTORS: list[tuple[str, str, object]] = [
    ("ACK socket 1", "90 41 FF", Ack(1, 1)),
    ("ACK socket 2", "90 42 FF", Ack(1, 2)),
    ("completion socket 1", "90 51 FF", Completion(1, 1)),
    ("completion socket 2, camera 3", "B0 52 FF", Completion(3, 2)),
    ("IF_Clear one camera answer", "90 50 FF", Completion(1, 0)),
    ("pan/tilt answer", "90 50 00 09 09 00 0F 0E 05 00 FF", InquiryAnswer(1, h("00 09 09 00 0F 0E 05 00"))),
    ("power answer on", "90 50 02 FF", InquiryAnswer(1, h("02"))),
    ("length error", "90 60 01 FF", ErrorReply(1, 0, ErrorCode.LENGTH)),
    ("syntax error", "90 60 02 FF", ErrorReply(1, 0, ErrorCode.SYNTAX)),
    ("buffer full", "90 60 03 FF", ErrorReply(1, 0, ErrorCode.BUFFER_FULL)),
    ("cancelled socket 1", "90 61 04 FF", ErrorReply(1, 1, ErrorCode.CANCELLED)),
    ("no socket 2", "90 62 05 FF", ErrorReply(1, 2, ErrorCode.NO_SOCKET)),
    ("not executable socket 1", "90 61 41 FF", ErrorReply(1, 1, ErrorCode.NOT_EXECUTABLE)),
    ("not executable inquiry", "90 60 41 FF", ErrorReply(1, 0, ErrorCode.NOT_EXECUTABLE)),
    ("unknown error code kept", "90 60 4A FF", ErrorReply(1, 0, 0x4A)),
    ("network change camera 1", "90 38 FF", NetworkChange(1)),
    ("network change camera 7", "F0 38 FF", NetworkChange(7)),
    ("address set, one camera", "88 30 02 FF", AddressSetReply(1)),
    ("address set, seven cameras", "88 30 08 FF", AddressSetReply(7)),
    ("address set, none", "88 30 01 FF", AddressSetReply(0)),
    ("IF_Clear broadcast echo", "88 01 00 01 FF", IfClearBroadcast()),
]


@pytest.mark.parametrize(("what", "frame", "expected"), DECODER_VECTORS, ids=[v[0] for v in DECODER_VECTORS])
def test_decoder_golden(what: str, frame: str, expected: object) -> None:
    assert decode_reply(h(frame)) == expected


def test_worked_example_syntax_error_is_a_syntax_error() -> None:
    # 81 01 04 38 FF -> 90 60 02 FF
    reply = decode_reply(h("90 60 02 FF"))
    assert isinstance(reply, ErrorReply)
    assert reply.code is ErrorCode.SYNTAX


def test_inquiry_payload_parsers() -> None:
    assert codec.parse_pan_tilt(h("00 09 09 00 0F 0E 05 00")) == (0x0990, -0x01B0)
    assert codec.parse_power(h("02")) is True
    assert codec.parse_power(h("03")) is False
    assert codec.parse_power(h("04")) is None
    assert codec.parse_zoom(h("04 00 00 00")) == 0x4000
    assert codec.parse_zoom(h("07 0A 0C 00")) == 0x7AC0
    assert codec.parse_version(h("00 20 04 0E 02 10 02")) == Version(0x0020, 0x040E, 0x0210, 2)


def test_signed_nibbles() -> None:
    assert codec.nibbles(-0x01B0, signed=True) == h("0F 0E 05 00")
    assert codec.nibbles(0x0990, signed=True) == h("00 09 09 00")
    assert codec.nibbles(-1, signed=True) == h("0F 0F 0F 0F")
    assert codec.nibbles(-0x8000, signed=True) == h("08 00 00 00")
    assert codec.nibbles(0xFFFF) == h("0F 0F 0F 0F")


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: codec.power(0, True), "address"),
        (lambda: codec.power(8, True), "address"),
        (lambda: codec.power(True, True), "address"),  # a bool is not an address
        (lambda: codec.power(1, 1), "on"),  # type: ignore[arg-type]
        (lambda: codec.zoom(1, "tele", 8), "speed"),
        (lambda: codec.zoom(1, "stop", -1), "speed"),
        (lambda: codec.zoom(1, "in"), "direction"),  # type: ignore[arg-type]
        (lambda: codec.zoom_direct(1, 0x10000), "position"),
        (lambda: codec.zoom_direct(1, -1), "position"),
        (lambda: codec.zoom_direct(1, "0x4000"), "position"),  # type: ignore[arg-type]
        (lambda: codec.pan_tilt_drive(1, "up", "stop", 1, 1), "pan"),  # type: ignore[arg-type]
        (lambda: codec.pan_tilt_drive(1, "stop", "left", 1, 1), "tilt"),  # type: ignore[arg-type]
        (lambda: codec.pan_tilt_drive(1, "left", "stop", 0, 1), "pan_speed"),
        (lambda: codec.pan_tilt_drive(1, "left", "stop", 1, 0x80), "tilt_speed"),
        (lambda: codec.pan_tilt_absolute(1, 0x8000, 0, 1, 1), "pan"),
        (lambda: codec.pan_tilt_relative(1, 0, -0x8001, 1, 1), "tilt"),
        (lambda: codec.pan_tilt_absolute(1, 1.5, 0, 1, 1), "pan"),  # type: ignore[arg-type]
        (lambda: codec.preset(1, "recall", 0x80), "preset"),
        (lambda: codec.preset(1, "store", 1), "op"),  # type: ignore[arg-type]
        (lambda: codec.cancel(1, 16), "socket"),
    ],
)
def test_encoder_refuses_bad_arguments_naming_them(call: Callable[[], bytes], param: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"^{param}: "):
        call()


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("90 41", "length 2"),
        ("90 50 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF", "length 17"),
        ("90 41 00", "exactly one FF"),
        ("90 FF 41 FF", "exactly one FF"),
        ("91 41 FF", "header 91"),
        ("80 41 FF", "header 80"),
        ("88 30 09 FF", "unknown broadcast"),
        ("88 01 00 02 FF", "unknown broadcast"),
        ("90 41 00 FF", "unknown reply type 41"),
        ("90 70 FF", "unknown reply type 70"),
        ("90 60 FF", "unknown reply type 60"),
        ("90 51 00 FF", "unknown reply type 51"),
    ],
)
def test_decoder_names_what_is_wrong(frame: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_reply(h(frame))


@pytest.mark.parametrize(
    ("parse", "data", "reason"),
    [
        (codec.parse_power, "05", "expected 02"),
        (codec.parse_power, "", "expected 1 data bytes, got 0"),
        (codec.parse_zoom, "04 00 00", "expected 4 data bytes, got 3"),
        (codec.parse_zoom, "04 10 00 00", "nibbles"),
        (codec.parse_pan_tilt, "00 09 09 00 0F 0E 05 F0", "nibbles"),
        (codec.parse_version, "00 20 04 0E 02 10", "expected 7 data bytes, got 6"),
    ],
)
def test_parsers_name_what_is_wrong(parse: Callable[[bytes], object], data: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        parse(h(data))


def test_splitter_cuts_chunks_into_frames_and_skips_garbage() -> None:
    splitter = codec.FrameSplitter()
    splitter.feed(h("90 41"))
    assert splitter.next_frame() is None
    splitter.feed(h("FF 90 51 FF 00 01"))
    assert splitter.next_frame() == h("90 41 FF")
    assert splitter.next_frame() == h("90 51 FF")
    with pytest.raises(DecodeError, match="discarded 2 byte"):
        splitter.next_frame()
    assert splitter.next_frame() is None
    splitter.feed(h("90") + bytes(16) + h("90 50 02 FF"))
    with pytest.raises(DecodeError, match="no FF within 16 bytes"):
        splitter.next_frame()
    with pytest.raises(DecodeError, match="discarded 16 byte"):
        splitter.next_frame()
    assert splitter.next_frame() == h("90 50 02 FF")
    assert splitter.next_frame() is None
