"""ViscaLine over a real pty against a scripted chain of three cameras."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.errors import (
    BufferFull,
    DeviceNak,
    DeviceTimeout,
    InvalidArgument,
    NotExecutable,
    TransportLost,
)
from drivers.profiles import SerialSettings
from drivers.visca.line import ViscaLine
from tests.drivers.conftest import FAST
from tests.drivers.responder import PtyResponder, h

SETUP = [h("88 30 01 FF"), h("88 01 00 01 FF")]


@pytest.fixture
async def line(peer: PtyResponder) -> AsyncIterator[ViscaLine]:
    visca = ViscaLine.serial(peer.path, SerialSettings(), FAST)
    yield visca
    await visca.close()


async def test_open_sets_addresses_then_clears_interfaces(peer: PtyResponder, line: ViscaLine) -> None:
    await line.ensure_open()
    assert peer.frames == SETUP
    assert line.camera_count == 3
    assert line.is_open
    await line.ensure_open()  # already open: nothing more on the wire
    assert peer.frames == SETUP


async def test_open_goes_on_when_the_chain_does_not_answer(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("88 30 01 FF")
    peer.on("88 01 00 01 FF")
    await line.ensure_open()
    assert line.is_open and line.camera_count is None
    assert peer.frames == SETUP


async def test_open_failure_raises_transport_lost(tmp_path: Path) -> None:
    line = ViscaLine.serial(str(tmp_path / "ttyGone"), SerialSettings(), FAST)
    with pytest.raises(TransportLost, match="ttyGone"):
        await line.inquire(1, h("81 09 04 00 FF"))
    assert not line.is_open


async def test_worked_examples_round_trip(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("81 09 06 12 FF", "90 50 00 09 09 00 0F 0E 05 00 FF")
    peer.on("81 01 04 3F 02 03 FF", "90 41 FF", (0.05, "90 51 FF"))
    assert await line.inquire(1, h("81 09 06 12 FF")) == h("00 09 09 00 0F 0E 05 00")
    await line.command(1, h("81 01 04 3F 02 03 FF"))
    assert peer.frames_after_setup() == [h("81 09 06 12 FF"), h("81 01 04 3F 02 03 FF")]
    assert peer.sent[-2:] == [h("90 41 FF"), h("90 51 FF")]  # returned only after the Completion


async def test_inquiries_to_different_cameras_interleave(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("81 09 04 00 FF", "90 50 02 FF")
    peer.on("82 09 04 00 FF", (0.2, "A0 50 03 FF"))
    peer.on("83 09 04 47 FF", (0.02, "B0 50 04 00 00 00 FF"))
    await line.ensure_open()
    slow = asyncio.create_task(line.inquire(2, h("82 09 04 00 FF"), timeout_s=1))
    await peer.wait_frames(3)
    assert await line.inquire(1, h("81 09 04 00 FF")) == h("02")
    assert await line.inquire(3, h("83 09 04 47 FF")) == h("04 00 00 00")
    assert not slow.done()  # camera 2 is still thinking; the others were not held up
    assert await slow == h("03")


async def test_one_command_in_flight_per_camera(peer: PtyResponder, line: ViscaLine) -> None:
    recall = "81 01 04 3F 02 03 FF"
    peer.on(recall, "90 41 FF", (0.25, "90 51 FF"))
    peer.on("81 09 06 12 FF", "90 50 00 00 00 00 00 00 00 00 FF")
    await line.ensure_open()
    first = asyncio.create_task(line.command(1, h(recall)))
    await peer.wait_frames(3)
    second = asyncio.create_task(line.command(1, h("81 01 04 00 02 FF")))
    # while camera 1 moves: an inquiry to it and a command to camera 2 go through at once
    assert await line.inquire(1, h("81 09 06 12 FF")) == bytes(8)
    await line.command(2, h("82 01 04 00 02 FF"))
    assert h("81 01 04 00 02 FF") not in peer.frames
    assert not first.done()
    await first
    await second
    assert peer.frames_after_setup() == [h(recall), h("81 09 06 12 FF"), h("82 01 04 00 02 FF"), h("81 01 04 00 02 FF")]


async def test_inter_frame_gap_paces_the_line(peer: PtyResponder) -> None:
    peer.on("81 09 04 00 FF", "90 50 02 FF")
    peer.on("82 09 04 00 FF", "A0 50 02 FF")
    line = ViscaLine.serial(peer.path, SerialSettings(), FAST.model_copy(update={"inter_frame_gap_ms": 60}))
    try:
        await asyncio.gather(line.inquire(1, h("81 09 04 00 FF")), line.inquire(2, h("82 09 04 00 FF")))
    finally:
        await line.close()
    gaps = [b - a for a, b in zip(peer.times, peer.times[1:], strict=False)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.055


@pytest.mark.parametrize(
    ("frame", "script", "match"),
    [
        ("81 01 04 00 02 FF", [], "no ACK within 150 ms for 81 01 04 00 02 ff"),
        ("81 01 04 00 02 FF", ["90 41 FF"], "no Completion within 400 ms"),
        ("81 09 04 00 FF", [], "no answer within 150 ms for 81 09 04 00 ff"),
    ],
)
async def test_silence_is_a_device_timeout(
    peer: PtyResponder, line: ViscaLine, frame: str, script: list[str], match: str
) -> None:
    peer.on(frame, *script)
    call = line.inquire(1, h(frame)) if frame[3:5] == "09" else line.command(1, h(frame))
    with pytest.raises(DeviceTimeout, match=match):
        await call


@pytest.mark.parametrize(
    ("frame", "script", "error", "code"),
    [
        ("81 01 04 38 FF", ["90 60 02 FF"], DeviceNak, 0x02),  # the worked syntax-error example
        ("81 01 04 00 02 FF", ["90 60 01 FF"], DeviceNak, 0x01),
        ("81 01 04 00 02 FF", ["90 60 03 FF"], BufferFull, 0x03),
        ("81 01 04 00 02 FF", ["90 61 41 FF"], NotExecutable, 0x41),
        ("81 01 04 47 04 00 00 00 FF", ["90 41 FF", "90 61 41 FF"], NotExecutable, 0x41),
        ("81 01 04 47 04 00 00 00 FF", ["90 42 FF", "90 62 04 FF"], DeviceNak, 0x04),
        ("81 09 04 47 FF", ["90 60 41 FF"], NotExecutable, 0x41),
        ("81 09 04 47 FF", ["90 60 02 FF"], DeviceNak, 0x02),
    ],
)
async def test_error_replies_raise_the_matching_error(
    peer: PtyResponder, line: ViscaLine, *, frame: str, script: list[str], error: type[DeviceNak], code: int
) -> None:
    peer.on(frame, *script)
    call = line.inquire(1, h(frame)) if frame[3:5] == "09" else line.command(1, h(frame))
    with pytest.raises(DeviceNak) as caught:
        await call
    assert type(caught.value) is error
    assert caught.value.device_code == code
    assert frame.lower() in str(caught.value)


async def test_if_clear_one_camera_completes_without_an_ack(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("81 01 00 01 FF", "90 50 FF")
    await line.command(1, h("81 01 00 01 FF"))
    assert peer.sent[-1] == h("90 50 FF")


async def test_late_completion_of_an_ack_only_command_is_not_taken_by_the_next(
    peer: PtyResponder, line: ViscaLine
) -> None:
    drive = "81 01 06 01 18 14 01 03 FF"
    peer.on(drive, "90 41 FF", (0.05, "90 51 FF"))
    peer.on("81 01 04 47 04 00 00 00 FF", (0.1, "90 42 FF"), (0.2, "90 52 FF"))
    await line.command(1, h(drive), wait_completion=False)
    assert peer.sent[-1] == h("90 41 FF")
    # the ACK comes 100 ms late on purpose; the ACK timeout leaves room for a loaded machine
    await line.command(1, h("81 01 04 47 04 00 00 00 FF"), ack_timeout_s=1)
    assert peer.sent[-3:] == [h("90 51 FF"), h("90 42 FF"), h("90 52 FF")]


async def test_completion_after_its_timeout_is_not_taken_by_the_next(peer: PtyResponder, line: ViscaLine) -> None:
    # t=0 recall, ACK; t=0.2 its Completion times out, zoom sent; t=0.3 the late Completion arrives while the
    # zoom still waits for its ACK (t=0.4); the zoom must wait for its own Completion (t=0.5)
    peer.on("81 01 04 3F 02 03 FF", "90 41 FF", (0.3, "90 51 FF"))
    peer.on("81 01 04 47 04 00 00 00 FF", (0.2, "90 42 FF"), (0.3, "90 52 FF"))
    with pytest.raises(DeviceTimeout, match="no Completion within 200 ms"):
        await line.command(1, h("81 01 04 3F 02 03 FF"), completion_timeout_s=0.2)
    await line.command(1, h("81 01 04 47 04 00 00 00 FF"), ack_timeout_s=0.5)
    assert peer.sent[-3:] == [h("90 51 FF"), h("90 42 FF"), h("90 52 FF")]


async def test_garbage_is_discarded_and_the_reader_survives(peer: PtyResponder, line: ViscaLine) -> None:
    peer.once("81 09 04 00 FF", "12 34 FF 90 50 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 FF")
    peer.on("81 09 04 00 FF", "00 7F 90 50 02 FF")
    with pytest.raises(DeviceTimeout):
        await line.inquire(1, h("81 09 04 00 FF"))
    assert await line.inquire(1, h("81 09 04 00 FF")) == h("02")
    assert line.is_open


async def test_link_loss_fails_every_waiter_and_the_next_request_reopens(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("81 09 04 00 FF")
    peer.on("82 09 04 00 FF")
    await line.ensure_open()
    waiters = [asyncio.create_task(line.inquire(a, h(f"8{a} 09 04 00 FF"))) for a in (1, 2)]
    await peer.wait_frames(4)
    peer.unplug()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert [type(r) for r in results] == [TransportLost, TransportLost]
    assert not line.is_open
    with pytest.raises(TransportLost):  # unplugged: one attempt, no retry loop
        await line.inquire(1, h("81 09 04 00 FF"))
    peer.plug()
    peer.frames.clear()
    peer.on("81 09 04 00 FF", "90 50 03 FF")
    assert await line.inquire(1, h("81 09 04 00 FF")) == h("03")
    assert peer.frames == [*SETUP, h("81 09 04 00 FF")]


class WriteFailsFirst:
    """A ByteStream whose write fails while its read has not yet noticed: a race window a pty cannot pin down."""

    name = "fake-port"

    def __init__(self) -> None:
        self.is_open = False
        self.opens = 0
        self.fail_writes = False
        self.incoming: asyncio.Queue[bytes] = asyncio.Queue()

    async def open(self) -> None:
        self.opens += 1
        self.is_open = True

    async def write(self, data: bytes) -> None:
        if self.fail_writes:
            raise TransportLost("fake-port: write failed")
        answers = {h("88 30 01 FF"): h("88 30 02 FF"), h("88 01 00 01 FF"): data, h("81 09 04 00 FF"): h("90 50 02 FF")}
        self.incoming.put_nowait(answers[data])

    async def read(self) -> bytes:
        return await self.incoming.get()

    async def close(self) -> None:
        self.is_open = False


async def test_a_failed_write_makes_the_next_request_reopen() -> None:
    fake = WriteFailsFirst()
    line = ViscaLine(fake, FAST)
    try:
        await line.ensure_open()
        fake.fail_writes = True
        with pytest.raises(TransportLost, match="write failed"):
            await line.inquire(1, h("81 09 04 00 FF"))
        assert not line.is_open and not fake.is_open
        fake.fail_writes = False
        assert await line.inquire(1, h("81 09 04 00 FF")) == h("02")
        assert fake.opens == 2
    finally:
        await line.close()


async def test_close_fails_waiters_with_transport_lost(peer: PtyResponder, line: ViscaLine) -> None:
    peer.on("81 09 04 00 FF")
    # a long timeout: the close, not the clock, must end the wait, even on a loaded machine
    waiter = asyncio.create_task(line.inquire(1, h("81 09 04 00 FF"), timeout_s=10))
    await peer.wait_frames(3)
    await line.close()
    with pytest.raises(TransportLost, match="closed"):
        await waiter


async def test_network_change_reruns_address_set_and_notifies(peer: PtyResponder, line: ViscaLine) -> None:
    heard: list[int] = []
    line.add_listener(heard.append)
    await line.ensure_open()
    peer.cameras = 4  # a fourth camera joined the chain
    peer.send("A0 38 FF")
    await peer.wait_frames(3)
    assert peer.frames == [*SETUP, h("88 30 01 FF")]
    assert heard == [2]
    # the peer answered the AddressSet before this inquiry, so its answer is routed first
    peer.on("84 09 04 00 FF", "C0 50 02 FF")
    assert await line.inquire(4, h("84 09 04 00 FF")) == h("02")
    assert line.camera_count == 4


async def test_addresses_outside_1_to_7_never_reach_the_wire(peer: PtyResponder, line: ViscaLine) -> None:
    for address in (0, 8, True):
        with pytest.raises(InvalidArgument, match="address"):
            await line.inquire(address, h("81 09 04 00 FF"))
    assert peer.frames == []
    assert not line.is_open
