"""The DCS 6000 codec against the frames of docs/protocols.md 5.2(a), plus escaping and fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.dcs6000 import codec
from drivers.dcs6000.codec import Control, Escaping, FrameSplitter, Job, Mode, Reset
from drivers.errors import DecodeError, InvalidArgument


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


GOLDEN = [
    ("FC 72 00 88 FD", Reset(0)),
    ("FC 6D 00 63 6D 65 FD", Mode(0, enter=True)),
    ("FC 6A 2D 00 0F 3C 12 0E 00 0A 8C FD", Job(0x2D, 3900, 18, (14, 0, 10))),
    ("FC 63 05 0F A0 17 03 09 00 0A C0 FD", Control(5, 4000, 23, bytes([9, 0, 10]))),
    ("FC 63 06 0F A0 17 03 0A 00 0A 48 FD", Control(6, 4000, 23, bytes([10, 0, 10]))),
]


@pytest.mark.parametrize(("text", "message"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_frames_encode_and_decode(text: str, message: codec.Message) -> None:
    assert codec.encode(message) == hx(text)
    assert FrameSplitter().feed(hx(text)) == [message]


def test_crc_reproduces_the_manual_examples() -> None:
    assert codec.crc8(b"r\x00") == 136
    assert codec.crc8(b"m\x00cm") == 101


def test_mic_job_and_status_fields() -> None:
    assert codec.encode(codec.mic_job(0x2D, 3900, 14, 10)) == hx(GOLDEN[2][0])
    on = FrameSplitter().feed(hx(GOLDEN[3][0]))[0]
    assert isinstance(on, Control) and on.item == 9 and on.mic == 10
    assert Control(1, 4000, 23, bytes([14, 5])).mic is None
    with pytest.raises(InvalidArgument, match="ident"):
        codec.encode(Reset(64))
    with pytest.raises(InvalidArgument, match="mic"):
        codec.mic_job(0, 3900, 14, 70000)


def test_leave_mode_and_frames_in_one_chunk_split_in_two() -> None:
    stream = codec.encode(Mode(3, enter=False)) + hx(GOLDEN[3][0]) + hx(GOLDEN[4][0])
    splitter = FrameSplitter()
    first = splitter.feed(stream[:9])
    assert first == [Mode(3, enter=False)]
    assert splitter.feed(stream[9:]) == [GOLDEN[3][1], GOLDEN[4][1]]


def test_fd_inside_a_body_does_not_end_the_frame_without_escaping() -> None:
    message = Control(7, 4000, 23, bytes([9, 0x00, 0xFD]))  # mic 253: an FD data byte
    frame = codec.encode(message)
    assert frame.count(0xFD) == 2
    assert FrameSplitter().feed(frame) == [message]


def test_escaping_keeps_delimiters_out_of_the_body() -> None:
    rule = Escaping(0xFE, 0x20)
    message = Control(1, 4000, 23, bytes([9, 0xFC, 0xFE]))
    frame = codec.encode(message, rule)
    assert frame[0] == 0xFC and frame[-1] == 0xFD
    assert 0xFC not in frame[1:-1] and 0xFD not in frame[1:-1]
    assert FrameSplitter(rule).feed(frame) == [message]
    assert FrameSplitter(rule).feed(hx(GOLDEN[0][0])) == [Reset(0)]  # frames with nothing to escape are alike


def test_bad_crc_is_a_decode_error_and_the_next_frame_still_decodes() -> None:
    bad = bytearray(hx(GOLDEN[3][0]))
    bad[-2] ^= 0x55
    out = FrameSplitter().feed(b"\x00\x11" + bytes(bad) + hx(GOLDEN[4][0]))
    assert out[-1] == GOLDEN[4][1]
    assert all(isinstance(item, DecodeError) for item in out[:-1]) and len(out) >= 2


FRAMES = [hx(text) for text, _ in GOLDEN]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_give_only_messages_or_decode_errors(data: bytes, escaped: bool) -> None:
    splitter = FrameSplitter(Escaping() if escaped else None)
    for cut in range(0, len(data), 7):
        for item in splitter.feed(data[cut : cut + 7]):
            assert isinstance(item, (DecodeError, Reset, Mode, Job, Control))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.sampled_from(FRAMES), st.booleans())
def test_a_good_frame_after_garbage_is_decoded(garbage: bytes, frame: bytes, escaped: bool) -> None:
    splitter = FrameSplitter(Escaping() if escaped else None)
    expected = FrameSplitter().feed(frame)[0]
    out = splitter.feed(garbage + frame * 3)
    out += splitter.feed(frame * 6)  # a garbage FC may claim up to MAX_BODY bytes before it is refused
    assert expected in out


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FRAMES), st.integers(min_value=1, max_value=11))
def test_a_truncated_frame_waits_or_errs_then_resyncs(frame: bytes, cut: int) -> None:
    splitter = FrameSplitter()
    head = splitter.feed(frame[: min(cut, len(frame) - 1)])
    assert all(isinstance(item, DecodeError) for item in head)
    assert FrameSplitter().feed(frame)[0] in splitter.feed(frame * 6)
