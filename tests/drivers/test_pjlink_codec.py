"""PJLink codec: golden lines from docs/protocols.md section 3.3, parameters, and fuzzing of the splitter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.pjlink import codec
from drivers.pjlink.codec import AuthRefused, Greeting, LineSplitter, Reply


def test_golden_requests() -> None:
    assert codec.command("POWR", "1") == bytes.fromhex("25 31 50 4F 57 52 20 31 0D")
    assert codec.query("POWR") == b"%1POWR ?\r"
    assert codec.command("INPT", "31") == b"%1INPT 31\r"
    assert codec.query("ERST") == b"%1ERST ?\r"


def test_login_digest_from_the_spec() -> None:
    assert codec.digest("498e4a67", "JBMIAProjectorLink") == "5d8409bc1c3fa39749434aa3a5c38682"


def test_golden_replies() -> None:
    lines = (
        b"PJLINK 0\r%1POWR=OK\r%1POWR=3\r%1INPT=ERR3\r%1ERST=000000\r%1LAMP=1234 1\rPJLINK 1 498e4a67\rPJLINK ERRA\r"
    )
    frames = LineSplitter().feed(lines)
    assert frames == [
        Greeting(None),
        Reply("POWR", "OK"),
        Reply("POWR", "3"),
        Reply("INPT", "ERR3"),
        Reply("ERST", "000000"),
        Reply("LAMP", "1234 1"),
        Greeting("498e4a67"),
        AuthRefused(),
    ]
    assert frames[3].error == "ERR3"  # type: ignore[union-attr]
    assert Greeting("498e4a67").secured and not Greeting(None).secured


def test_parameters() -> None:
    assert [codec.parse_power(p) for p in "0123"] == ["off", "on", "cooling", "warming"]
    assert codec.parse_errors("021000") == {
        "fan": "ok",
        "lamp": "error",
        "temperature": "warning",
        "cover": "ok",
        "filter": "ok",
        "other": "ok",
    }
    assert codec.parse_lamps("1234 1") == [(1234, True)]
    assert codec.parse_lamps("10 0 20 1") == [(10, False), (20, True)]
    assert codec.parse_av_mute("31") == (True, True)
    assert codec.parse_av_mute("11") == (True, False)
    assert codec.parse_av_mute("21") == (False, True)
    assert codec.parse_av_mute("30") == (False, False)
    assert codec.parse_input("31") == "31"
    for bad, parse in (("4", codec.parse_power), ("00000", codec.parse_errors), ("12 x", codec.parse_lamps)):
        with pytest.raises(DecodeError):
            parse(bad)  # type: ignore[operator]
    with pytest.raises(DecodeError):
        codec.parse_av_mute("41")
    with pytest.raises(DecodeError):
        codec.parse_input("9")


def test_encoders_refuse_bad_arguments() -> None:
    with pytest.raises(InvalidArgument, match="body"):
        codec.command("POW", "1")
    with pytest.raises(InvalidArgument, match="param"):
        codec.command("POWR", "")
    with pytest.raises(InvalidArgument, match="param"):
        codec.command("POWR", "1\r%1POWR 0")


def test_split_across_reads_and_stray_lf() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"%1PO") == []
    assert splitter.feed(b"WR=1\r\n%1AVMT=3") == [Reply("POWR", "1")]
    assert splitter.feed(b"1\r") == [Reply("AVMT", "31")]
    splitter.feed(b"%1INPT=3")
    splitter.reset()
    assert splitter.feed(b"%1INPT=11\r") == [Reply("INPT", "11")]


def test_garbage_and_overlong_lines_resynchronise() -> None:
    splitter = LineSplitter()
    out = splitter.feed(b"\xa5\xb1POWR=1\r" + b"x" * 300 + b"\r%1POWR=0\r")
    assert isinstance(out[0], DecodeError) and isinstance(out[1], DecodeError)
    assert out[2:] == [Reply("POWR", "0")]


@given(st.binary(max_size=400))
def test_random_bytes_only_give_frames_or_decode_errors(data: bytes) -> None:
    splitter = LineSplitter()
    for item in splitter.feed(data):
        assert isinstance(item, Greeting | AuthRefused | Reply | DecodeError)
    assert splitter.feed(b"\r%1POWR=1\r")[-1] == Reply("POWR", "1")


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=11))
def test_truncated_reply_then_good_frame(data: bytes, cut: int) -> None:
    splitter = LineSplitter()
    items = splitter.feed(data + b"%1ERST=000000"[:cut] + b"\r" + b"%1LAMP=5 0\r")
    assert all(isinstance(i, Greeting | AuthRefused | Reply | DecodeError) for i in items)
    assert items[-1] == Reply("LAMP", "5 0")
