"""LG RS-232C codec: the worked frames of protocols.md 3.2, byte-exact, and the splitter under garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.lg import codec
from drivers.lg.codec import Reply, ReplySplitter


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_worked_requests_encode_byte_exact() -> None:
    assert codec.request("ka", 1, 1) == hx("6B 61 20 30 31 20 30 31 0D")
    assert codec.request("ka", 1) == b"ka 01 ff\r"
    assert codec.request("kf", 1, 20) == b"kf 01 14\r"
    assert codec.request("xb", 1, 0x90) == b"xb 01 90\r"
    assert codec.request("kf", 1, 100) == b"kf 01 64\r"


def test_worked_replies_decode() -> None:
    assert codec.decode_reply(hx("61 20 30 31 20 4F 4B 30 31 78")) == Reply("a", 1, True, b"\x01")
    assert codec.decode_reply(b"a 01 OK00x").value == 0
    assert codec.decode_reply(b"f 01 OK14x").value == 20
    assert codec.decode_reply(b"b 01 OK90x").value == 0x90
    ng = codec.decode_reply(b"b 01 NG00x")
    assert (ng.ok, ng.value) == (False, 0)
    assert codec.decode_reply(b"b 0A OKC0x") == Reply("b", 10, True, b"\xc0")


@pytest.mark.parametrize("text", [b"a 01 OK01", b"a 1 OK01x", b"a 01 OX01x", b"a 01 OK0x", b"A 01 OK01x", b""])
def test_bad_replies_are_refused(text: bytes) -> None:
    with pytest.raises(DecodeError, match="LG reply"):
        codec.decode_reply(text)


@pytest.mark.parametrize(
    "call",
    [
        lambda: codec.request("ka", 256),
        lambda: codec.request("ka", 1, -1),
        lambda: codec.request("zz", 1),
        lambda: codec.request("k", 1),
    ],
)
def test_encoders_refuse_bad_arguments(call: object) -> None:
    with pytest.raises(InvalidArgument):
        call()  # type: ignore[operator]


def replies(items: list[Reply | DecodeError]) -> list[Reply]:
    return [item for item in items if isinstance(item, Reply)]


def test_splitter_cuts_replies_fed_byte_by_byte() -> None:
    splitter = ReplySplitter()
    items: list[Reply | DecodeError] = []
    for byte in b"a 01 OK01xf 01 OK14x":
        items += splitter.feed(bytes([byte]))
    assert items == [Reply("a", 1, True, b"\x01"), Reply("f", 1, True, b"\x14")]


def test_splitter_drops_garbage_before_a_reply_and_keeps_the_reply() -> None:
    items = ReplySplitter().feed(b"\x00#@!a 01 OK01x")
    assert replies(items) == [Reply("a", 1, True, b"\x01")]
    assert isinstance(items[0], DecodeError)


def test_splitter_tolerates_cr_lf_between_replies() -> None:
    assert replies(ReplySplitter().feed(b"a 01 OK01x\r\nf 01 OK14x\r\n")) == [
        Reply("a", 1, True, b"\x01"),
        Reply("f", 1, True, b"\x14"),
    ]


def test_splitter_caps_a_stream_without_x() -> None:
    splitter = ReplySplitter()
    items = splitter.feed(b"0" * 500)
    assert len(items) == 1 and isinstance(items[0], DecodeError)
    assert replies(splitter.feed(b" a 01 OK01x")) == [Reply("a", 1, True, b"\x01")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=24), max_size=8))
def test_random_bytes_give_only_replies_or_decode_errors(parts: list[bytes]) -> None:
    splitter = ReplySplitter()
    for part in parts:
        for item in splitter.feed(part):
            assert isinstance(item, DecodeError | Reply)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=30))
def test_decode_of_any_bytes_raises_only_decode_error(data: bytes) -> None:
    try:
        reply = codec.decode_reply(data)
    except DecodeError:
        return
    assert data.endswith(b"x") and reply.command == chr(data[0])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=30), st.integers(min_value=0, max_value=9))
def test_garbage_or_a_cut_reply_then_good_ones_resynchronises(garbage: bytes, cut: int) -> None:
    splitter = ReplySplitter()
    splitter.feed(b"b 01 OK90x"[:cut])
    items = splitter.feed(garbage + b"b 01 OK90x" * 2)
    assert replies(items)[-1] == Reply("b", 1, True, b"\x90")
