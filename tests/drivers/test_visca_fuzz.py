"""Property tests: whatever bytes arrive, the VISCA framer and decoder raise DecodeError and nothing else."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError
from drivers.visca import codec
from drivers.visca.codec import MAX_FRAME, FrameSplitter, Reply, decode_reply

GOOD_FRAMES = [
    bytes.fromhex(text)
    for text in (
        "90 41 FF",
        "90 51 FF",
        "A0 52 FF",
        "90 50 02 FF",
        "90 50 00 09 09 00 0F 0E 05 00 FF",
        "90 50 00 20 04 0E 02 10 02 FF",
        "90 60 02 FF",
        "F0 61 41 FF",
        "90 38 FF",
        "88 30 02 FF",
        "88 01 00 01 FF",
    )
]

chunks = st.lists(st.binary(max_size=40), max_size=12)


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


def split_all(parts: list[bytes]) -> list[bytes]:
    splitter = FrameSplitter()
    frames: list[bytes] = []
    for part in parts:
        splitter.feed(part)
        frames.extend(drain(splitter)[0])
    return frames


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_splitter_yields_only_well_formed_frames_and_stays_bounded(parts: list[bytes]) -> None:
    splitter = FrameSplitter()
    for part in parts:
        splitter.feed(part)
        frames, _ = drain(splitter)
        for frame in frames:
            assert 3 <= len(frame) <= MAX_FRAME
            assert frame[-1] == 0xFF
            assert 0xFF not in frame[:-1]
        assert len(splitter._buf) < MAX_FRAME


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.data())
def test_splitter_does_not_care_how_bytes_are_chunked(stream: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    parts = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert split_all(parts) == split_all([stream])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.sampled_from(GOOD_FRAMES))
def test_a_good_frame_after_garbage_and_its_end_is_still_found(garbage: bytes, good: bytes) -> None:
    # whatever the garbage, once an FF has ended it the next frame arrives intact
    frames = split_all([garbage + b"\xff", good])
    assert frames[-1] == good
    assert decode_reply(frames[-1]) == decode_reply(good)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60).map(lambda b: bytes(x & 0x7F for x in b)), st.sampled_from(GOOD_FRAMES))
def test_a_good_frame_after_headerless_garbage_is_found(garbage: bytes, good: bytes) -> None:
    # line noise below 0x80 can never start a reply, so it is skipped even without an FF to end it
    assert split_all([garbage, good]) == [good]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(GOOD_FRAMES), st.data())
def test_truncated_frames_give_only_decode_errors(good: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(good) - 1))
    truncated = good[:cut]
    try:
        decode_reply(truncated)
    except DecodeError:
        pass
    else:
        raise AssertionError(f"{truncated.hex(' ')} decoded")
    assert split_all([truncated]) == []
    # the rest of the line goes on: the truncated frame and the next one merge at worst, never crash
    for frame in split_all([truncated, good]):
        _decode_or_error(frame)


def _decode_or_error(frame: bytes) -> Reply | None:
    try:
        return decode_reply(frame)
    except DecodeError:
        return None


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=24))
def test_decoder_raises_only_decode_error(frame: bytes) -> None:
    reply = _decode_or_error(frame)
    if reply is not None:
        assert frame[-1] == 0xFF and 3 <= len(frame) <= MAX_FRAME


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=12))
def test_payload_parsers_raise_only_decode_error(data: bytes) -> None:
    for parse in (codec.parse_power, codec.parse_zoom, codec.parse_pan_tilt, codec.parse_version):
        with contextlib.suppress(DecodeError):
            parse(data)


@given(st.integers(-0x8000, 0x7FFF), st.integers(-0x8000, 0x7FFF), st.integers(1, 7))
def test_absolute_position_round_trips_through_the_inquiry_parser(pan: int, tilt: int, address: int) -> None:
    frame = codec.pan_tilt_absolute(address, pan, tilt, 1, 1)
    assert frame[0] == 0x80 | address and frame[-1] == 0xFF and 0xFF not in frame[:-1]
    assert codec.parse_pan_tilt(frame[6:14]) == (pan, tilt)


@given(st.integers(0, 0xFFFF))
def test_zoom_position_round_trips_through_the_inquiry_parser(position: int) -> None:
    assert codec.parse_zoom(codec.zoom_direct(1, position)[4:8]) == position
