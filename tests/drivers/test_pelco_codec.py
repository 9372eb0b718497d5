"""The Pelco codec against every worked frame of docs/protocols.md section 2 (typed from the doc), plus fuzz."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.pelco import codec
from drivers.pelco.codec import FrameSplitter, Message, PositionReply, Variant


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


# (doc frame, what the encoder is asked, the four message bytes the decoder must find)
WORKED: list[tuple[str, bytes, tuple[int, int, int, int]]] = [
    ("FF 01 00 02 20 00 23", codec.drive("D", 1, "right", pan_speed=0x20), (0x00, 0x02, 0x20, 0x00)),
    ("FF 01 00 00 00 00 01", codec.stop("D", 1), (0, 0, 0, 0)),
    ("FF 01 00 0C 20 20 4D", codec.drive("D", 1, "left", "up", pan_speed=0x20, tilt_speed=0x20), (0, 0x0C, 0x20, 0x20)),
    ("FF 01 00 20 00 00 21", codec.drive("D", 1, zoom="tele"), (0, 0x20, 0, 0)),
    ("FF 01 00 03 00 05 09", codec.preset("D", 1, "set", 5), (0, 0x03, 0, 0x05)),
    ("FF 01 00 07 00 05 0D", codec.preset("D", 1, "recall", 5), (0, 0x07, 0, 0x05)),
    ("FF 01 00 05 00 05 0B", codec.preset("D", 1, "clear", 5), (0, 0x05, 0, 0x05)),
    ("FF 01 88 00 00 00 89", codec.power("D", 1, True), (0x88, 0, 0, 0)),
    ("FF 01 00 51 00 00 52", codec.query(1, "pan"), (0, 0x51, 0, 0)),
    ("FF 01 00 59 23 28 A5", codec.position_reply(1, "pan", 9000), (0, 0x59, 0x23, 0x28)),
    ("A0 00 00 02 20 00 AF 2D", codec.drive("P", 0, "right", pan_speed=0x20), (0, 0x02, 0x20, 0)),
    ("A0 00 00 00 00 00 AF 0F", codec.stop("P", 0), (0, 0, 0, 0)),
    ("A0 00 00 03 00 05 AF 09", codec.preset("P", 0, "set", 5), (0, 0x03, 0, 0x05)),
    ("A0 00 00 07 00 05 AF 0D", codec.preset("P", 0, "recall", 5), (0, 0x07, 0, 0x05)),
]


def _variant(text: str) -> Variant:
    return "D" if text.startswith("FF") else "P"


@pytest.mark.parametrize(("text", "encoded", "body"), WORKED, ids=[w[0] for w in WORKED])
def test_worked_frames_encode_and_decode_byte_exact(text: str, encoded: bytes, body: tuple[int, int, int, int]) -> None:
    assert encoded == hx(text)
    variant = _variant(text)
    message = codec.decode(variant, hx(text))
    assert message == Message(variant, hx(text)[1], *body)
    assert codec.frame(variant, message.address, body) == hx(text)


def test_position_reply_decodes_to_90_degrees() -> None:
    reply = codec.parse_reply(codec.decode("D", hx("FF 01 00 59 23 28 A5")))
    assert reply == PositionReply(address=1, axis="pan", value=0x2328)
    for axis, code in (("tilt", 0x5B), ("zoom", 0x5D)):
        frame = codec.position_reply(7, axis, 0x1234)
        assert frame[3] == code
        assert codec.parse_reply(codec.decode("D", frame)) == PositionReply(7, axis, 0x1234)


def test_set_position_and_zoom_speed_and_power_off() -> None:
    assert codec.set_position(1, "pan", 0x2328) == hx("FF 01 00 4B 23 28 97")
    assert codec.set_position(1, "tilt", 0)[3] == 0x4D
    assert codec.set_position(1, "zoom", 0)[3] == 0x4F
    assert codec.zoom_speed("D", 1, 3) == hx("FF 01 00 25 00 03 29")
    assert codec.power("D", 1, False) == hx("FF 01 08 00 00 00 09")
    assert codec.power("P", 0, True)[2] == 0x50
    assert codec.query(2, "zoom") == hx("FF 02 00 55 00 00 57")


@pytest.mark.parametrize(
    "call",
    [
        lambda: codec.stop("D", 0),
        lambda: codec.stop("D", 255),
        lambda: codec.stop("P", 0x20),
        lambda: codec.stop("X", 1),  # type: ignore[arg-type]
        lambda: codec.preset("D", 1, "recall", 0),
        lambda: codec.preset("D", 1, "goto", 1),  # type: ignore[arg-type]
        lambda: codec.drive("D", 1, "right", pan_speed=0x41),
        lambda: codec.drive("D", 1, "up", tilt_speed=0x40),
        lambda: codec.drive("D", 1, "sideways"),  # type: ignore[arg-type]
        lambda: codec.set_position(1, "pan", 0x10000),
        lambda: codec.zoom_speed("D", 1, 4),
        lambda: codec.power("D", 1, 1),  # type: ignore[arg-type]
    ],
)
def test_encoders_refuse_bad_arguments(call: Callable[[], bytes]) -> None:
    with pytest.raises(InvalidArgument):
        call()


@pytest.mark.parametrize(
    ("variant", "text", "reason"),
    [
        ("D", "FF 01 00 59 23 28 A6", "checksum"),
        ("D", "FF 01 00 59 23 28", "length"),
        ("D", "FE 01 00 59 23 28 A5", "sync"),
        ("D", "FF 00 00 00 00 00 00", "address"),
        ("P", "A0 00 00 02 20 00 AE 2C", "byte 6"),
        ("P", "A0 00 00 02 20 00 AF 2E", "checksum"),
    ],
)
def test_decoder_refuses_bad_frames(variant: Variant, text: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        codec.decode(variant, hx(text))


def test_a_command_is_not_a_reply() -> None:
    with pytest.raises(DecodeError, match="not a position reply"):
        codec.parse_reply(codec.decode("D", hx("FF 01 00 51 00 00 52")))


def drain(splitter: FrameSplitter) -> tuple[list[bytes], int]:
    """Every frame the splitter yields now, and how many DecodeErrors it raised on the way."""
    frames, errors = [], 0
    while True:
        try:
            frame = splitter.next_frame()
        except DecodeError:
            errors += 1
            continue
        if frame is None:
            return frames, errors
        frames.append(frame)


def test_splitter_drops_a_bad_checksum_and_keeps_the_next_frame() -> None:
    splitter = FrameSplitter("D")
    splitter.feed(hx("FF 01 00 59 23 28 A6 FF 01 00 59 23 28 A5"))
    frames, errors = drain(splitter)
    assert frames == [hx("FF 01 00 59 23 28 A5")]
    assert errors >= 1


chunks = st.lists(st.binary(max_size=40), max_size=12)
GOOD = {"D": hx("FF 01 00 59 23 28 A5"), "P": hx("A0 00 00 02 20 00 AF 2D")}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["D", "P"]), chunks)
def test_random_bytes_give_only_decode_errors_and_resync(variant: Variant, parts: list[bytes]) -> None:
    splitter = FrameSplitter(variant)
    for part in parts:
        splitter.feed(part)
        frames, _ = drain(splitter)
        for frame in frames:
            message = codec.decode(variant, frame)  # every frame it yields is well formed
            assert len(frame) == codec.FRAME_LEN[variant] and message.variant == variant
            with contextlib.suppress(DecodeError):
                codec.parse_reply(message)
        assert len(splitter._buf) < codec.FRAME_LEN[variant]
    # a good frame twice: junk can swallow at most the first one (the good frame holds one sync byte)
    splitter.feed(GOOD[variant] * 2)
    frames, _ = drain(splitter)
    assert frames[-1] == GOOD[variant]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["D", "P"]), st.binary(max_size=12))
def test_decode_of_any_bytes_raises_only_decode_error(variant: Variant, data: bytes) -> None:
    try:
        message = codec.decode(variant, data)
    except DecodeError:
        return
    assert codec.frame(variant, message.address, (message.cmd1, message.cmd2, message.data1, message.data2)) == data


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["D", "P"]), st.binary(min_size=1, max_size=7), st.integers(min_value=1, max_value=7))
def test_truncated_frames_then_a_good_one(variant: Variant, prefix: bytes, cut: int) -> None:
    splitter = FrameSplitter(variant)
    splitter.feed(GOOD[variant][:cut])  # a frame cut short by a dropped line
    drain(splitter)
    splitter.feed(prefix + GOOD[variant] * 2)
    frames, _ = drain(splitter)
    assert frames[-1] == GOOD[variant]
