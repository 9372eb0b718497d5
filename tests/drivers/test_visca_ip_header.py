"""The VISCA-over-IP header: the worked datagrams of protocols.md section 1 byte for byte, and a fuzzed decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.visca import codec
from drivers.visca_ip import header
from drivers.visca_ip.header import Message, PayloadType


def hx(text: str) -> bytes:
    """Bytes from protocols.md notation."""
    return bytes.fromhex(text)


# -- the worked examples, typed from the reference -------------------------------------------------------------
POWER_ON = hx("01 00 00 06 00 00 00 01 81 01 04 00 02 FF")
POWER_ON_ACK = hx("01 11 00 03 00 00 00 01 90 41 FF")
POWER_ON_DONE = hx("01 11 00 03 00 00 00 01 90 51 FF")
POWER_INQ = hx("01 10 00 05 00 00 00 02 81 09 04 00 FF")
POWER_INQ_ANSWER = hx("01 11 00 04 00 00 00 02 90 50 02 FF")
RESET = hx("02 00 00 01 00 00 00 00 01")
RESET_REPLY = hx("02 01 00 01 00 00 00 00 01")


def test_power_on_command_encodes_byte_exact() -> None:
    assert header.command(1, codec.power(1, True)) == POWER_ON
    assert header.encode(PayloadType.COMMAND, 1, hx("81 01 04 00 02 FF")) == POWER_ON


def test_power_inquiry_encodes_byte_exact() -> None:
    assert header.inquiry(2, codec.inquire_power(1)) == POWER_INQ


def test_reset_encodes_byte_exact() -> None:
    assert header.reset() == RESET
    assert header.reset(0) == RESET


def test_power_on_replies_decode() -> None:
    ack, done = header.decode(POWER_ON_ACK), header.decode(POWER_ON_DONE)
    assert ack == Message(PayloadType.REPLY, 1, hx("90 41 FF"))
    assert done == Message(PayloadType.REPLY, 1, hx("90 51 FF"))
    assert codec.decode_reply(ack.payload) == codec.Ack(1, 1)
    assert codec.decode_reply(done.payload) == codec.Completion(1, 1)
    assert ack.error is None and not ack.is_reset_reply


def test_power_inquiry_answer_decodes() -> None:
    answer = header.decode(POWER_INQ_ANSWER)
    assert answer == Message(PayloadType.REPLY, 2, hx("90 50 02 FF"))
    reply = codec.decode_reply(answer.payload)
    assert isinstance(reply, codec.InquiryAnswer)
    assert codec.parse_power(reply.data) is True


def test_reset_reply_decodes() -> None:
    reply = header.decode(RESET_REPLY)
    assert reply == Message(PayloadType.CONTROL_REPLY, 0, b"\x01")
    assert reply.is_reset_reply


@pytest.mark.parametrize("datagram", [POWER_ON, POWER_ON_ACK, POWER_ON_DONE, POWER_INQ, POWER_INQ_ANSWER, RESET])
def test_every_worked_datagram_round_trips(datagram: bytes) -> None:
    assert header.decode(datagram).encode() == datagram


def test_error_replies() -> None:
    sequence = header.decode(hx("02 01 00 02 00 00 00 07 0F 01"))
    message = header.decode(hx("02 01 00 02 00 00 00 07 0F 02"))
    assert sequence.error == header.SEQUENCE_ERROR and sequence.sequence == 7
    assert message.error == header.MESSAGE_ERROR
    assert header.decode(hx("01 11 00 02 00 00 00 07 0F 01")).error == header.SEQUENCE_ERROR  # lenient reading


def test_sequence_numbers_wrap() -> None:
    assert header.next_sequence(0) == 1
    assert header.next_sequence(0xFFFFFFFF) == 0
    assert header.command(0xFFFFFFFF, hx("81 01 06 04 FF"))[4:8] == hx("FF FF FF FF")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((PayloadType.COMMAND, -1, b"\x81\xff"), "sequence"),
        ((PayloadType.COMMAND, 1 << 32, b"\x81\xff"), "sequence"),
        ((PayloadType.COMMAND, 1, b""), "payload"),
        ((PayloadType.COMMAND, 1, bytes(17)), "payload"),
        ((0x0300, 1, b"\x01"), "payload_type"),
    ],
)
def test_encode_refuses_bad_arguments(args: tuple[int, int, bytes], match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        header.encode(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("datagram", "match"),
    [
        ("", "shorter"),
        ("01 11 00 03 00 00 00 01", "shorter"),
        ("03 00 00 01 00 00 00 00 01", "unknown payload type"),
        ("01 11 00 00 00 00 00 01 90", "outside 1..16"),
        ("01 11 00 11 00 00 00 01 90", "outside 1..16"),
        ("01 11 00 04 00 00 00 01 90 41 FF", "header says 4"),
        ("01 11 00 02 00 00 00 01 90 41 FF", "header says 2"),
    ],
)
def test_decode_refuses_bad_datagrams(datagram: str, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        header.decode(hx(datagram))


@given(st.binary(max_size=40))
def test_decoder_raises_only_decode_error(data: bytes) -> None:
    try:
        message = header.decode(data)
    except DecodeError:
        return
    assert message.encode() == data


@given(
    st.sampled_from(list(PayloadType)),
    st.integers(min_value=0, max_value=0xFFFFFFFF),
    st.binary(min_size=1, max_size=16),
    st.binary(max_size=4),
)
def test_valid_headers_decode_and_trailing_bytes_are_refused(
    kind: PayloadType, sequence: int, payload: bytes, extra: bytes
) -> None:
    datagram = header.encode(kind, sequence, payload)
    assert header.decode(datagram) == Message(kind, sequence, payload)
    if extra:
        with pytest.raises(DecodeError):
            header.decode(datagram + extra)
