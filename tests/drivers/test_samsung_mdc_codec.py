"""Samsung MDC codec: the worked frames of protocols.md 3.1, byte-exact, and the splitter under garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.samsung_mdc import codec
from drivers.samsung_mdc.codec import Reply, ReplySplitter, Status, TlsBanner


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


POWER_ACK = "AA FF 01 03 41 11 01 56"
STATUS_REPLY = "AA FF 01 09 41 00 01 18 00 21 10 00 00 94"
NAK = "AA FF 01 03 4E 11 01 63"


def test_worked_requests_encode_byte_exact() -> None:
    assert codec.set_power(1, True) == hx("AA 11 01 01 01 14")
    assert codec.get(codec.POWER, 1) == hx("AA 11 01 00 12")
    assert codec.set_input(1, 0x21) == hx("AA 14 01 01 21 37")
    assert codec.set_volume(1, 24) == hx("AA 12 01 01 18 2C")
    assert codec.get(codec.STATUS, 1) == hx("AA 00 01 00 01")
    assert codec.set_mute(1, True) == hx("AA 13 01 01 01 16")
    assert codec.set_power(0, False) == hx("AA 11 00 01 00 12")


def test_worked_replies_decode() -> None:
    assert codec.decode_reply(hx(POWER_ACK)) == Reply(1, True, 0x11, b"\x01")
    assert codec.decode_reply(hx("AA FF 01 03 41 14 21 79")) == Reply(1, True, 0x14, b"\x21")
    status = codec.parse_status(codec.decode_reply(hx(STATUS_REPLY)))
    assert status == Status(power=True, volume=24, mute=False, input=0x21, aspect=0x10)


def test_nak_carries_its_error_byte() -> None:
    reply = codec.decode_reply(hx(NAK))
    assert (reply.ack, reply.command, reply.error_code) == (False, 0x11, 1)
    assert codec.decode_reply(hx(POWER_ACK)).error_code is None


def test_mute_ff_in_status_means_no_audio() -> None:
    values = bytes([0, 10, 0xFF, 0x23])
    reply = Reply(1, True, codec.STATUS, values)
    assert codec.parse_status(reply) == Status(False, 10, None, 0x23, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AA FF 01 03 41 11 01 57", "checksum"),
        ("AA FF 01 04 41 11 01 56", "length"),
        ("AA 11 01 03 41 11 01 56", "not 'AA FF"),
        ("AA FF 01 03 42 11 01 57", "neither ACK"),
        ("AA FF 01", "not 'AA FF"),
    ],
)
def test_bad_replies_are_refused(text: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        codec.decode_reply(hx(text))


def test_a_short_status_is_refused() -> None:
    with pytest.raises(DecodeError, match="status"):
        codec.parse_status(codec.decode_reply(hx(POWER_ACK)))


@pytest.mark.parametrize(
    "call",
    [
        lambda: codec.set_volume(1, 101),
        lambda: codec.set_input(1, 0x100),
        lambda: codec.request(0x11, 256),
        lambda: codec.request(0x11, True),
    ],
)
def test_encoders_refuse_bad_arguments(call: object) -> None:
    with pytest.raises(InvalidArgument):
        call()  # type: ignore[operator]


def frames_of(items: list[codec.Frame | DecodeError]) -> list[codec.Frame]:
    return [item for item in items if not isinstance(item, DecodeError)]


def test_splitter_cuts_replies_fed_byte_by_byte() -> None:
    splitter = ReplySplitter()
    items: list[codec.Frame | DecodeError] = []
    for byte in hx(POWER_ACK + STATUS_REPLY):
        items += splitter.feed(bytes([byte]))
    assert items == [codec.decode_reply(hx(POWER_ACK)), codec.decode_reply(hx(STATUS_REPLY))]


def test_splitter_skips_a_bad_checksum_and_keeps_the_next_reply() -> None:
    items = ReplySplitter().feed(hx("AA FF 01 03 41 11 01 57") + hx(POWER_ACK))
    assert frames_of(items) == [codec.decode_reply(hx(POWER_ACK))]
    assert any(isinstance(item, DecodeError) for item in items)


def test_splitter_abandons_a_frame_whose_length_byte_was_garbled() -> None:
    splitter = ReplySplitter()
    items = splitter.feed(hx("AA FF 01 F0 41 11") + hx(POWER_ACK))
    assert frames_of(items) == [codec.decode_reply(hx(POWER_ACK))]


def test_splitter_reports_the_tls_banner_even_in_pieces() -> None:
    splitter = ReplySplitter()
    assert splitter.feed(b"MDCSTA") == []
    assert splitter.feed(b"RT<<TLS>>") == [TlsBanner()]
    assert splitter.tls_seen
    splitter.reset()
    assert not splitter.tls_seen


chunks = st.lists(st.binary(max_size=24), max_size=8)


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_random_bytes_give_only_frames_or_decode_errors(parts: list[bytes]) -> None:
    splitter = ReplySplitter()
    for part in parts:
        for item in splitter.feed(part):
            assert isinstance(item, DecodeError | Reply | TlsBanner)
            if isinstance(item, Reply):
                assert item.values is not None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_decode_of_any_bytes_raises_only_decode_error(data: bytes) -> None:
    try:
        reply = codec.decode_reply(data)
    except DecodeError:
        return
    assert data[4:5] in (b"A", b"N") and reply.display_id == data[2]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=30), st.integers(min_value=0, max_value=13))
def test_garbage_or_a_cut_frame_then_good_ones_resynchronises(garbage: bytes, cut: int) -> None:
    splitter = ReplySplitter()
    splitter.feed(hx(STATUS_REPLY)[:cut])  # a reply cut short by a dropped line
    items = splitter.feed(garbage + hx(STATUS_REPLY) * 2)
    assert frames_of(items)[-1] == codec.decode_reply(hx(STATUS_REPLY))
