"""Waiting for a serial device node (``/dev/ttyUSB0``, a udev symlink) to come back, without polling.

When a USB-serial adapter is unplugged its node vanishes; when it is plugged back udev creates it again (a node
with IN_CREATE, a symlink often by rename, IN_MOVED_TO; then its mode, IN_ATTRIB). Linux's inotify on the node's
directory tells us within milliseconds, and costs nothing while nothing happens, so a replugged device is
reopened at once however long it was away. One inotify descriptor serves every watched directory of the
process (through ctypes: the standard library has no binding). Where inotify is missing (not Linux, no libc
symbol, the directory itself is gone, e.g. ``/dev/serial/by-id`` after the last adapter left) the caller's
short timeout still ends each wait: a stat of the path every retry interval, which is cheap too.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import os
import struct
from pathlib import Path

log = logging.getLogger(__name__)

IN_ATTRIB = 0x00000004
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


def _exists(node: Path) -> bool:
    """A stat of a device node (devtmpfs or a tmpfs: no disk behind it, so fine on the event loop)."""
    return node.exists()


class NodeWatcher:
    """inotify on the directories of the nodes someone waits for; ``wait_for(path, timeout)`` returns early
    when an entry of that name appears (or changes) in its directory."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._libc: ctypes.CDLL | None = None
        self._dirs: dict[str, int] = {}  # directory -> watch descriptor
        self._waiters: dict[tuple[int, str], list[asyncio.Future[None]]] = {}
        self._broken = False

    def _ensure(self) -> bool:
        if self._fd is not None:
            return True
        if self._broken:
            return False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        except (OSError, AttributeError) as exc:
            log.info("no inotify (%s): device nodes are looked for at every retry", exc)
            self._broken = True
            return False
        if fd < 0:
            why = os.strerror(ctypes.get_errno())
            log.info("inotify_init1 failed (%s): device nodes are looked for at every retry", why)
            self._broken = True
            return False
        self._libc, self._fd = libc, fd
        asyncio.get_running_loop().add_reader(fd, self._readable)
        return True

    def _watch(self, directory: str) -> int | None:
        wd = self._dirs.get(directory)
        if wd is not None:
            return wd
        assert self._libc is not None and self._fd is not None
        wd = self._libc.inotify_add_watch(self._fd, directory.encode(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB)
        if wd < 0:
            return None  # the directory is gone too: the caller's timeout ends the wait
        self._dirs[directory] = wd
        return int(wd)

    def _readable(self) -> None:
        assert self._fd is not None
        try:
            data = os.read(self._fd, 64 * 1024)
        except BlockingIOError:
            return
        offset = 0
        while offset + _EVENT.size <= len(data):
            wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0").decode(errors="replace")
            offset += _EVENT.size + length
            for future in self._waiters.pop((wd, name), []):
                if not future.done():
                    future.set_result(None)

    @staticmethod
    def exists(path: str) -> bool:
        """Whether the node is there now."""
        return _exists(Path(path))

    async def wait_for(self, path: str, timeout_s: float) -> bool:
        """Wait until an entry named like ``path`` appears in its directory, at most ``timeout_s``; True when it
        exists on return (whether inotify saw it or the timeout ran out)."""
        node = Path(path)
        if _exists(node):
            return True
        wd = self._watch(str(node.parent)) if self._ensure() else None
        if wd is None:
            await asyncio.sleep(timeout_s)
            return _exists(node)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = (wd, node.name)
        self._waiters.setdefault(key, []).append(future)
        try:
            if _exists(node):  # created between the first look and the watch
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, timeout_s)
        finally:
            waiting = self._waiters.get(key)
            if waiting is not None and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._waiters[key]
        return _exists(node)

    def close(self) -> None:
        """Stop watching (the watches go with the descriptor)."""
        if self._fd is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
            self._dirs.clear()
        for futures in self._waiters.values():
            for future in futures:
                future.cancel()
        self._waiters.clear()
