"""HyperDeck codec: the worked exchanges of docs/protocols-hyperdeck.md, and property tests on the splitter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DecodeError, InvalidArgument
from drivers.hyperdeck import codec
from drivers.hyperdeck.codec import Reply, ReplySplitter

TRANSPORT_INFO = (
    b"208 transport info:\r\nstatus: record\r\nspeed: 0\r\nslot id: 1\r\nclip id: none\r\n"
    b"single clip: false\r\ndisplay timecode: 00:10:04:12\r\ntimecode: 00:10:04:12\r\nvideo format: 1080i50\r\n"
    b"loop: false\r\n\r\n"
)
SLOT_INFO = (
    b"202 slot info:\r\nslot id: 1\r\nstatus: mounted\r\nvolume name: SSD1\r\nrecording time: 10800\r\n"
    b"video format: 1080i50\r\n\r\n"
)
CURRENT_TRANSPORT_INFO = (  # protocol 1.11+, as the current manual lists it
    b"208 transport info:\r\nstatus: record\r\nspeed: 0\r\nslot id: 1\r\nclip id: 3\r\nsingle clip: false\r\n"
    b"display timecode: 00:10:04:12\r\ntimecode: 00:10:04:12\r\nvideo format: 1080p25\r\nloop: false\r\n"
    b"timeline: 0\r\ninput video format: 1080p25\r\ndynamic range: Rec709\r\n\r\n"
)
CURRENT_DEVICE_INFO = (
    b"204 device info:\r\nprotocol version: 1.11\r\nmodel: HyperDeck Studio HD Plus\r\nunique id: 7c2e0d0a1b2c\r\n"
    b"slot count: 3\r\nsoftware version: 8.3\r\nname: Court 2 recorder\r\n\r\n"
)
CLIPS_INFO = (
    b"205 clips info:\r\nclip count: 3\r\n1: Court2_0930 00:00:00:00 00:12:00:05\r\n"
    b"2: Court 2 afternoon 00:12:00:05 00:01:00:00\r\n3: Old_Clip QuickTimeProRes 1080i50 00:00:10:00\r\n\r\n"
)
BANNER = b"500 connection info:\r\nprotocol version: 1.11\r\nmodel: HyperDeck Studio HD Plus\r\n\r\n"


def test_golden_commands() -> None:
    assert codec.command("record") == b"record\n"
    assert codec.command("record", name="Court2_0930") == b"record: name: Court2_0930\n"
    assert codec.command("stop") == b"stop\n"
    assert codec.command("transport info") == b"transport info\n"
    assert codec.command("slot info", slot_id=1) == b"slot info: slot id: 1\n"
    assert codec.command("notify", transport=True, slot=True) == b"notify: transport: true slot: true\n"


@pytest.mark.parametrize("value", ["a\nb", "x: y", "", "tab\there"])
def test_values_that_would_break_the_line_are_refused(value: str) -> None:
    with pytest.raises(InvalidArgument):
        codec.command("record", name=value)


def test_golden_replies() -> None:
    splitter = ReplySplitter()
    out = splitter.feed(b"200 ok\r\n" + TRANSPORT_INFO + SLOT_INFO + b"105 no disk\r\n111 remote control disabled\r\n")
    assert out[0] == Reply(200, "ok")
    info = out[1]
    assert isinstance(info, Reply) and info.code == 208 and info.text == "transport info"
    assert info.params["status"] == "record" and info.params["display timecode"] == "00:10:04:12"
    slot = out[2]
    assert isinstance(slot, Reply) and slot.params["recording time"] == "10800" and slot.params["status"] == "mounted"
    assert out[3] == Reply(105, "no disk") and out[3].is_failure
    assert out[4] == Reply(111, "remote control disabled")
    pushed = splitter.feed(b"508 transport info:\r\nstatus: stopped\r\n\r\n")
    assert pushed == [Reply(508, "transport info", {"status": "stopped"})] and pushed[0].is_async
    banner = splitter.feed(BANNER)[0]
    assert isinstance(banner, Reply) and codec.protocol_rom(banner.params["protocol version"]) == 0x010B


def test_golden_current_manual_replies() -> None:
    out = ReplySplitter().feed(CURRENT_TRANSPORT_INFO + CURRENT_DEVICE_INFO + CLIPS_INFO)
    transport, device, clips = out
    assert isinstance(transport, Reply) and transport.params["input video format"] == "1080p25"
    assert transport.params["dynamic range"] == "Rec709" and transport.params["timeline"] == "0"
    assert isinstance(device, Reply) and device.code == codec.DEVICE_INFO
    assert device.params["unique id"] == "7c2e0d0a1b2c" and device.params["name"] == "Court 2 recorder"
    assert isinstance(clips, Reply) and clips.code == codec.CLIPS_INFO
    assert codec.clips(clips) == [
        codec.ClipEntry(1, "Court2_0930", "00:00:00:00", "00:12:00:05"),
        codec.ClipEntry(2, "Court 2 afternoon", "00:12:00:05", "00:01:00:00"),
        codec.ClipEntry(3, "Old_Clip", None, "00:00:10:00"),  # the older firmware's line
    ]
    assert codec.clips(Reply(205, "clips info", {"clip count": "1", "1": "odd", "future field": "x"})) == [
        codec.ClipEntry(1, "odd", None, None)
    ]
    assert codec.command("clips get") == b"clips get\n" and codec.command("device info") == b"device info\n"
    assert codec.command("remote") == b"remote\n"  # the manual's remote-state query (210 remote info)


def test_replies_split_anywhere_and_lf_only() -> None:
    splitter = ReplySplitter()
    data = TRANSPORT_INFO.replace(b"\r\n", b"\n")
    out: list[Reply | DecodeError] = []
    for i in range(len(data)):
        out += splitter.feed(data[i : i + 1])
    assert len(out) == 1 and isinstance(out[0], Reply) and out[0].params["loop"] == "false"


def test_garbage_is_a_decode_error_and_the_next_reply_is_whole() -> None:
    splitter = ReplySplitter()
    out = splitter.feed(
        b"\xb2\xb0\xb8 transport info:\r\nstatus: play\r\n\r\n208 transport info:\r\nstatus: play\r\n\r\n"
    )
    assert all(isinstance(item, DecodeError) for item in out[:-1])
    assert out[-1] == Reply(208, "transport info", {"status": "play"})
    broken = splitter.feed(b"202 slot info:\r\nslot id: 1\r\n200 ok\r\n")
    assert isinstance(broken[0], DecodeError) and broken[1] == Reply(200, "ok")


def test_helpers() -> None:
    assert codec.flag("true") is True and codec.flag("False") is False and codec.flag("x") is None
    assert codec.number("42") == 42 and codec.number("none") is None and codec.number(None) is None
    assert codec.protocol_rom("1.9") == 0x0109 and codec.protocol_rom("x") is None


GOOD = [b"200 ok\r\n", TRANSPORT_INFO, CURRENT_TRANSPORT_INFO, CURRENT_DEVICE_INFO, CLIPS_INFO, SLOT_INFO]
GOOD += [b"508 transport info:\r\nstatus: stopped\r\n\r\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=10))
def test_random_bytes_yield_only_replies_or_decode_errors(parts: list[bytes]) -> None:
    splitter = ReplySplitter()
    for part in parts:
        for item in splitter.feed(part):
            assert isinstance(item, Reply | DecodeError)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.sampled_from(GOOD))
def test_a_good_reply_after_garbage_and_a_line_end_is_decoded(garbage: bytes, good: bytes) -> None:
    splitter = ReplySplitter()
    splitter.feed(garbage + b"\r\n\r\n")  # garbage ends with its line (and a block would end with a blank)
    out = splitter.feed(good)
    assert out and out[-1] == ReplySplitter().feed(good)[0]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(GOOD), st.data())
def test_truncated_replies_yield_nothing_or_errors(good: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(good) - 1))
    out = ReplySplitter().feed(good[:cut])
    assert all(isinstance(item, DecodeError) for item in out) or not out
