"""The DIS-CCU line codec against the command and message forms of docs/protocols.md 5.2(b), plus fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.dis_ccu import codec
from drivers.dis_ccu.codec import CommandError, LineSplitter, MicEvent, Other, SeatState
from drivers.errors import DecodeError, InvalidArgument


def test_commands_are_ascii_lines_with_crlf() -> None:
    assert codec.MIC_STATUS == b"mic_status\r\n"
    assert codec.ALL_OFF == b"mic_all_off\r\n"
    assert codec.mic(True, 12) == b"mic_on 12\r\n"
    assert codec.mic(False, 12) == b"mic_off 12\r\n"
    assert codec.request_on(3) == b"mic_request_on 3\r\n"
    assert codec.command("mic_mute_all", "activate") == b"mic_mute_all activate\r\n"
    assert codec.command("mic_priority", 4, 5) == b"mic_priority 4 5\r\n"
    with pytest.raises(InvalidArgument, match="seat"):
        codec.mic(True, 0)
    with pytest.raises(InvalidArgument, match="line break"):
        codec.command("mic_on", "1\r\nmic_all_off")


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        (b"mic_on 12", MicEvent("mic_on", 12)),
        (b"mic_off 12", MicEvent("mic_off", 12)),
        (b"mic_request_on 7", MicEvent("mic_request_on", 7)),
        (b"mic_request_off 7", MicEvent("mic_request_off", 7)),
        (b"seat_state 12 active John Jones", SeatState(12, True, "John Jones")),
        (b"seat_state 3 passive", SeatState(3, False, "")),
        (b"command_error unknown command", CommandError("unknown command")),
        (b"max_speakers 4", Other("max_speakers 4")),
    ],
)
def test_ccu_lines_parse(line: bytes, parsed: codec.Line) -> None:
    assert LineSplitter().feed(line + b"\r\n") == [parsed]


@pytest.mark.parametrize(
    "line", [b"mic_on", b"mic_on x", b"mic_on 0", b"seat_state 1 busy", b"mic_\xffon 3", b"\x01\x02"]
)
def test_malformed_lines_are_decode_errors(line: bytes) -> None:
    out = LineSplitter().feed(line + b"\r\n")
    assert len(out) == 1 and isinstance(out[0], DecodeError)


def test_lines_split_across_chunks_and_bare_lf() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"mic_o") == []
    assert splitter.feed(b"n 5\r\nmic_off 5\n\r\n") == [MicEvent("mic_on", 5), MicEvent("mic_off", 5)]


def test_an_endless_line_is_dropped() -> None:
    splitter = LineSplitter()
    out = splitter.feed(b"x" * (codec.MAX_LINE + 1))
    assert len(out) == 1 and isinstance(out[0], DecodeError)
    assert splitter.feed(b"mic_on 1\r\n") == [MicEvent("mic_on", 1)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_only_lines_or_decode_errors(data: bytes) -> None:
    splitter = LineSplitter()
    for cut in range(0, len(data), 13):
        for item in splitter.feed(data[cut : cut + 13]):
            assert isinstance(item, (DecodeError, MicEvent, SeatState, CommandError, Other))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=100), st.integers(min_value=1, max_value=65535))
def test_a_good_line_after_garbage_is_decoded(garbage: bytes, seat: int) -> None:
    splitter = LineSplitter()
    out = splitter.feed(garbage + b"\r\n" + f"mic_on {seat}\r\n".encode())
    assert out[-1] == MicEvent("mic_on", seat)
