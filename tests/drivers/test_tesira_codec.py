"""Tesira TTP codec: golden lines from docs/protocols.md section 5.1, telnet refusal, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.tesira import codec
from drivers.tesira.codec import DO, IAC, WILL, Error, Negotiation, Ok, Push, Text, TtpSplitter

FRAMES = Negotiation | Ok | Error | Push | Text


def test_golden_commands() -> None:
    assert codec.get("Level1", "level", 1) == b"Level1 get level 1\n"
    assert codec.set_value("Level1", "level", 1, -20) == b"Level1 set level 1 -20\n"
    assert codec.set_value("Level1", "mute", 1, True) == b"Level1 set mute 1 true\n"
    assert codec.subscribe("Level1", "level", 1, "Lvl1", 500) == b"Level1 subscribe level 1 Lvl1 500\n"
    assert codec.set_value("Lvl", "level", 2, -3.25) == b"Lvl set level 2 -3.25\n"
    assert codec.number(-0.0) == "0"


def test_golden_replies() -> None:
    data = (
        b'+OK "value":-10.000000\r\n+OK\r\n! "publishToken":"Lvl1" "value":-20.000000\r\n'
        b"-ERR INVALID_PARAMETER Index out of range:channelIndex min:1 max:8 received:10\r\n"
        b"-ERR Parse error at 16: could not parse value\r\n"
        b'! "Lvl1" -3.500000\n-CANNOT_DELIVER\n-GENERAL_FAILURE\n+OK "value":true\n'
    )
    assert TtpSplitter().feed(data) == [
        Ok("-10.000000"),
        Ok(None),
        Push("Lvl1", "-20.000000"),
        Error("ERR", "INVALID_PARAMETER Index out of range:channelIndex min:1 max:8 received:10"),
        Error("ERR", "Parse error at 16: could not parse value"),
        Push("Lvl1", "-3.500000"),
        Error("CANNOT_DELIVER", ""),
        Error("GENERAL_FAILURE", ""),
        Ok("true"),
    ]
    assert codec.parse_level("-10.000000") == -10.0
    assert codec.parse_bool("true") is True
    with pytest.raises(DecodeError):
        codec.parse_bool("yes")
    with pytest.raises(DecodeError):
        codec.parse_level(None)


def test_telnet_negotiation_is_refused() -> None:
    frames = TtpSplitter().feed(
        bytes([IAC, DO, 0x18, IAC, WILL, 0x01]) + b"Welcome to the Tesira Text Protocol Server...\r\n"
    )
    assert frames == [
        Negotiation(DO, 0x18),
        Negotiation(WILL, 0x01),
        Text("Welcome to the Tesira Text Protocol Server..."),
    ]
    assert codec.refuse(Negotiation(DO, 0x18)) == bytes.fromhex("FF FC 18")
    assert codec.refuse(Negotiation(WILL, 0x01)) == bytes.fromhex("FF FE 01")
    assert codec.refuse(Negotiation(codec.WONT, 0x01)) == b""


def test_subnegotiation_is_skipped_and_reads_split_anywhere() -> None:
    splitter = TtpSplitter()
    data = bytes([IAC, codec.SB, 0x18, 0x01, IAC, codec.SE]) + b"+OK\n"
    out = [frame for byte in data for frame in splitter.feed(bytes([byte]))]
    assert out == [Ok(None)]


def test_encoders_refuse_bad_words() -> None:
    with pytest.raises(InvalidArgument, match="tag"):
        codec.get("Level 1", "level", 1)
    with pytest.raises(InvalidArgument, match="token"):
        codec.subscribe("Level1", "level", 1, "a b", 0)


def test_garbage_resynchronises() -> None:
    out = TtpSplitter().feed(b"\xff\xfb\xc3\xa9\x80\x81\n\x01bad\n! nonsense\n" + b"x" * 5000 + b"\n+OK\n")
    assert isinstance(out[0], Negotiation)
    assert [type(i) for i in out[1:4]] == [DecodeError, DecodeError, DecodeError]
    assert isinstance(out[4], DecodeError)
    assert out[-1] == Ok(None)


@given(st.binary(max_size=400))
def test_random_bytes_only_give_frames_or_decode_errors(data: bytes) -> None:
    splitter = TtpSplitter()
    for item in splitter.feed(data):
        assert isinstance(item, FRAMES | DecodeError)
    # a dangling IAC or subnegotiation may swallow a few bytes: two good lines always get one through
    out = splitter.feed(bytes([IAC, codec.SE]) + b"\n+OK\n+OK\n")
    assert out[-1] == Ok(None)


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=20))
def test_truncated_reply_then_good_frame(data: bytes, cut: int) -> None:
    splitter = TtpSplitter()
    items = splitter.feed(data.replace(b"\xff", b"") + b'+OK "value":-10.000000'[:cut] + b"\n+OK\n")
    assert all(isinstance(i, FRAMES | DecodeError) for i in items)
    assert items[-1] == Ok(None)


def test_golden_session_device_and_block_lines() -> None:
    """docs/protocols-tesira.md: the session, device and whole-block lines, both directions."""
    assert codec.get_attribute("DEVICE", "version") == b"DEVICE get version\n"
    assert codec.get_attribute("DEVICE", "serialNumber") == b"DEVICE get serialNumber\n"
    assert codec.get_attribute("Level1", "numChannels") == b"Level1 get numChannels\n"
    assert codec.get("Level1", "maxLevel", 1) == b"Level1 get maxLevel 1\n"
    assert codec.session_set("detailedResponse", False) == b"SESSION set detailedResponse false\n"
    assert codec.subscribe("Level1", "levels", None, "Lv", 100) == b"Level1 subscribe levels Lv 100\n"
    out = TtpSplitter().feed(
        b'+OK "list":["Level1" "MicLevels" "Master"]\r\n+OK "value":"TesiraForte01"\r\n+OK "value":8\r\n'
        b'! "publishToken":"Lv" "value":[-20.000000 0.000000]\r\n! "Mu" [false true]\r\n+OK "value":"a \\"q\\""\r\n'
    )
    aliases, hostname, channels, levels, mutes, quoted = out
    assert isinstance(aliases, Ok) and codec.parse_list(aliases.value) == ["Level1", "MicLevels", "Master"]
    assert isinstance(hostname, Ok) and codec.parse_string(hostname.value) == "TesiraForte01"
    assert channels == Ok("8") and codec.parse_level(channels.value) == 8
    assert levels == Push("Lv", "[-20.000000 0.000000]")
    assert codec.parse_list(levels.value) == ["-20.000000", "0.000000"]
    assert mutes == Push("Mu", "[false true]")
    assert [codec.parse_bool(v) for v in codec.parse_list(mutes.value)] == [False, True]
    assert isinstance(quoted, Ok) and codec.parse_string(quoted.value) == 'a "q"'
    with pytest.raises(DecodeError, match="not a list"):
        codec.parse_list("-20.000000")
