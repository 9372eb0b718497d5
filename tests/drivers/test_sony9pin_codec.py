"""Sony 9-pin codec: the worked blocks of protocols.md 4.1, and property tests on the splitter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.sony9pin import codec
from drivers.sony9pin.codec import Block, BlockSplitter


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_golden_commands() -> None:
    assert codec.transport("play") == hx("20 01 21")
    assert codec.transport("stop") == hx("20 00 20")
    assert codec.transport("record") == hx("20 02 22")
    assert codec.transport("standby_on") == hx("20 05 25")
    assert codec.status_sense(0, 10) == hx("61 20 0A 8B")
    assert codec.ltc_sense() == hx("61 0C 01 6E")
    assert codec.device_type_request() == hx("00 11 11")


def test_golden_replies() -> None:
    ack = codec.decode(hx("10 01 11"))
    assert ack.is_ack and not ack.is_nak
    nak = codec.decode(hx("11 12 04 27"))
    assert nak.is_nak and nak.data == b"\x04"
    assert codec.nak_reason(0x04) == "checksum error"
    assert codec.nak_reason(0x84) == "checksum error, timeout"
    status = codec.DeckStatus.from_block(codec.decode(hx("7A 20 00 03 80 00 00 00 00 00 00 00 1D")))
    assert status == codec.DeckStatus(no_media=False, local=False, transport="record")
    assert codec.timecode(codec.decode(hx("74 04 04 03 02 01 82"))) == "01:02:03:04"
    kind = Block(0x1, 0x11, hx("20 24"))
    assert codec.device_type(codec.decode(kind.encode())) == 0x2024


def test_status_bits() -> None:
    def status(b0: int, b1: int) -> codec.DeckStatus:
        return codec.DeckStatus.from_block(Block(0x7, 0x20, bytes([b0, b1])))

    assert status(0x20, 0x20) == codec.DeckStatus(no_media=True, local=False, transport="stopped")
    assert status(0x01, 0x01) == codec.DeckStatus(no_media=False, local=True, transport="play")
    assert status(0, 0xA0).transport == "stopped"
    assert status(0, 0x80).transport == "standby"
    assert status(0, 0x08).transport == "rewind"
    assert status(0, 0x00).transport == "unknown"


def test_bad_input_is_refused() -> None:
    for raw in ("10 01 12", "10 01", "11 12 04", "74 04 04 03 02 01 83"):
        try:
            codec.decode(hx(raw))
        except DecodeError:
            continue
        raise AssertionError(f"{raw} decoded")
    for block in (Block(0x7, 0x04, hx("0A 00 00 00")), Block(0x7, 0x04, hx("00 00 00 24"))):
        try:
            codec.timecode(block)
        except DecodeError:
            continue
        raise AssertionError(f"{block} is not a timecode")
    for call in (lambda: codec.transport("fly"), lambda: codec.encode(0x10, 0), lambda: codec.encode(0, 0, bytes(16))):
        try:
            call()
        except InvalidArgument:
            continue
        raise AssertionError("accepted")


def test_splitter_cuts_replies_and_resyncs_after_a_bad_checksum() -> None:
    splitter = BlockSplitter(clock=FakeClock())
    out = splitter.feed(hx("10 01 11 11 12 04 28 10 01"))
    assert out[0] == Block(0x1, 0x01) and isinstance(out[1], DecodeError) and len(out) == 2
    assert splitter.feed(hx("11")) == [Block(0x1, 0x01)]


def test_a_partial_block_dies_after_the_inter_byte_timeout() -> None:
    clock = FakeClock()
    splitter = BlockSplitter(0.01, clock)
    assert splitter.feed(hx("7A 20 00")) == []
    clock.now = 0.05
    out = splitter.feed(hx("10 01 11"))
    assert isinstance(out[0], DecodeError) and out[1:] == [Block(0x1, 0x01)]


GOOD = [hx(t) for t in ("10 01 11", "11 12 04 27", "74 04 04 03 02 01 82", "7A 20 00 03 80 00 00 00 00 00 00 00 1D")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=10))
def test_random_bytes_yield_only_blocks_with_good_checksums_or_decode_errors(parts: list[bytes]) -> None:
    splitter = BlockSplitter(clock=FakeClock())
    for part in parts:
        for item in splitter.feed(part):
            assert isinstance(item, Block | DecodeError)
            if isinstance(item, Block):
                assert codec.decode(item.encode()) == item


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.sampled_from(GOOD))
def test_a_good_block_after_garbage_and_a_pause_is_decoded(garbage: bytes, good: bytes) -> None:
    clock = FakeClock()
    splitter = BlockSplitter(0.01, clock)
    splitter.feed(garbage)
    clock.now = 1.0  # a deck's reply comes after a pause, never glued to another block's bytes
    assert splitter.feed(good)[-1] == codec.decode(good)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(GOOD), st.data())
def test_truncated_blocks_decode_to_errors_only(good: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(good) - 1))
    try:
        codec.decode(good[:cut])
    except DecodeError:
        return
    raise AssertionError("a truncated block decoded")
