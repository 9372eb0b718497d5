"""A scripted VISCA peer on a real pty, for the line and camera tests (scaffolding, not the simulator).

The driver opens ``path`` (a symlink to the pty's slave, like a udev name) exactly as it opens a serial port.
The peer records every frame the driver writes and answers with fixed bytes: rules a test sets per frame,
else a default chain of ``cameras`` cameras that ACK and complete every command and echo the broadcasts.
Inquiries get no answer unless a test gives one.
"""

from __future__ import annotations

import asyncio
import os
import tty
from pathlib import Path

Reply = str | tuple[float, str]  # hex bytes, sent at once or after a delay in seconds


def h(text: str) -> bytes:
    """Bytes from spaced hex, as written in protocols.md."""
    return bytes.fromhex(text)


class PtyResponder:
    """The far end of a pty that answers VISCA frames from a script."""

    def __init__(self, link: Path, cameras: int = 1) -> None:
        self.link = link
        self.path = str(link)
        self.cameras = cameras
        self.frames: list[bytes] = []
        self.sent: list[bytes] = []  # what the peer wrote, in order
        self.times: list[float] = []  # loop time at which each of ``frames`` arrived
        self._arrived = asyncio.Event()
        self.rules: dict[bytes, list[Reply]] = {}
        self.once_rules: dict[bytes, list[list[Reply]]] = {}
        self._buf = bytearray()
        self._handles: list[asyncio.TimerHandle] = []
        self._fds: tuple[int, int] | None = None
        self.plug()

    # -- the pty ---------------------------------------------------------------------------------------------
    def plug(self) -> None:
        """Open a fresh pty and point the symlink at it (a cable plugged in)."""
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._fds = (master, slave)
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)
        asyncio.get_running_loop().add_reader(master, self._readable)

    def unplug(self) -> None:
        """Close both ends of the pty: the driver's next read fails with EIO (a cable pulled)."""
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()
        if self._fds is not None:
            master, slave = self._fds
            self._fds = None
            asyncio.get_running_loop().remove_reader(master)
            os.close(master)
            os.close(slave)

    def close(self) -> None:
        """Release everything (idempotent)."""
        self.unplug()
        self.link.unlink(missing_ok=True)

    def _readable(self) -> None:
        assert self._fds is not None
        try:
            data = os.read(self._fds[0], 4096)
        except BlockingIOError:
            return
        except OSError:  # EIO: no slave open any more; stop listening rather than spin
            asyncio.get_running_loop().remove_reader(self._fds[0])
            return
        self._buf.extend(data)
        while (end := self._buf.find(0xFF)) >= 0:
            frame = bytes(self._buf[: end + 1])
            del self._buf[: end + 1]
            self.frames.append(frame)
            self.times.append(asyncio.get_running_loop().time())
            self._arrived.set()
            self._answer(frame)

    # -- scripting -------------------------------------------------------------------------------------------
    def on(self, frame: str, *replies: Reply) -> None:
        """Answer every ``frame`` with ``replies`` (no replies: stay silent)."""
        self.rules[h(frame)] = list(replies)

    def once(self, frame: str, *replies: Reply) -> None:
        """Answer the next ``frame`` with ``replies``; later ones fall back to ``on`` rules or the default."""
        self.once_rules.setdefault(h(frame), []).append(list(replies))

    def send(self, data: str, delay: float = 0.0) -> None:
        """Send bytes unasked (a network change, garbage)."""
        self._handles.append(asyncio.get_running_loop().call_later(delay, self._write, h(data)))

    def _write(self, data: bytes) -> None:
        if self._fds is not None:
            os.write(self._fds[0], data)
            self.sent.append(data)

    def _answer(self, frame: bytes) -> None:
        if self.once_rules.get(frame):
            replies = self.once_rules[frame].pop(0)
        elif frame in self.rules:
            replies = self.rules[frame]
        else:
            replies = self._default(frame)
        for reply in replies:
            delay, text = (0.0, reply) if isinstance(reply, str) else reply
            self.send(text, delay)

    def _default(self, frame: bytes) -> list[Reply]:
        if frame == h("88 30 01 FF"):
            return [f"88 30 {self.cameras + 1:02x} FF"]
        if frame == h("88 01 00 01 FF"):
            return ["88 01 00 01 FF"]
        address = frame[0] - 0x80
        if 1 <= address <= self.cameras and len(frame) > 3 and frame[1] == 0x01:
            z = f"{(address + 8) << 4:02x}"
            return [f"{z} 41 FF", f"{z} 51 FF"]
        return []

    # -- waiting ---------------------------------------------------------------------------------------------
    async def wait_frames(self, count: int, timeout: float = 2.0) -> list[bytes]:
        """Wait until at least ``count`` frames have arrived in all; returns them all."""
        async with asyncio.timeout(timeout):
            while len(self.frames) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.frames

    def frames_after_setup(self) -> list[bytes]:
        """The frames after the last opening IF_Clear broadcast."""
        marks = [i for i, frame in enumerate(self.frames) if frame == h("88 01 00 01 FF")]
        return self.frames[marks[-1] + 1 :] if marks else list(self.frames)
