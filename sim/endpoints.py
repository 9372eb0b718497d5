"""Endpoints a driver connects to as it would to real hardware: a pseudo-terminal, a raw TCP port or a UDP port.

An endpoint moves bytes and owns nothing else: bytes a driver writes go to the `on_data` callback handed to
`attach()`, and `write()` sends bytes back. `unplug()` and `replug()` make the port vanish and come back the way
a pulled USB adapter or a rebooted serial-over-IP converter does. Everything runs on the asyncio loop through
`add_reader`/`add_writer`: no threads and no tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tty
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol

from sim.errors import SimConfigError, SimError

DataCallback = Callable[[bytes], None]
ResetCallback = Callable[[], None]

MAX_PENDING = 64 * 1024
"""Bytes kept for a reader that does not read; more is dropped, as a UART would overrun."""

_REARM_S = 0.02
"""After EIO on a pty master (no one has the port open, on some kernels), read again this much later."""


class _Channel:
    """Non-blocking reads and buffered writes on one file descriptor, driven by the event loop."""

    def __init__(self, fd: int, on_data: DataCallback, on_lost: Callable[[], None]) -> None:
        self.fd = fd
        self._loop = asyncio.get_running_loop()
        self._on_data = on_data
        self._on_lost = on_lost
        self._pending = bytearray()
        self._reading = False

    def start(self) -> None:
        """Begin reading."""
        if not self._reading:
            self._loop.add_reader(self.fd, self._readable)
            self._reading = True

    def pause(self) -> None:
        """Stop reading (the fd stays open)."""
        if self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False

    def close(self) -> None:
        """Stop reading and writing; the owner closes the fd."""
        self.pause()
        if self._pending:
            self._loop.remove_writer(self.fd)
            self._pending.clear()

    def write(self, data: bytes) -> None:
        """Send `data`, keeping what the kernel does not take yet (up to MAX_PENDING)."""
        if self._pending:
            self._pending += data[: max(0, MAX_PENDING - len(self._pending))]
            return
        try:
            sent = os.write(self.fd, data)
        except BlockingIOError:
            sent = 0
        except OSError:
            return  # the other side is gone; reading will notice
        if sent < len(data):
            self._pending += data[sent : sent + MAX_PENDING]
            self._loop.add_writer(self.fd, self._writable)

    def _writable(self) -> None:
        try:
            sent = os.write(self.fd, self._pending)
        except BlockingIOError:
            return
        except OSError:
            sent = len(self._pending)
        del self._pending[:sent]
        if not self._pending:
            self._loop.remove_writer(self.fd)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return
        except OSError:  # EIO on a pty master, ECONNRESET on a socket: the other side is gone
            data = b""
        if data:
            self._on_data(data)
        else:
            self.pause()
            self._on_lost()


def bound_socket(kind: socket.SocketKind, host: str, port: int) -> socket.socket:
    """A non-blocking socket bound to host:port (0: a free port), listening when it is TCP; SimError if taken.

    SO_REUSEADDR is never set before binding to a free port: on Linux, bind(port 0) may hand a socket that set
    it a port another such socket already holds (300 UDP binds gave 298 distinct ports), so two simulated
    devices would answer on one port. A TCP socket sets it before binding a known port (a replug despite
    TIME_WAIT) and after binding a free one: its connections inherit it, which a later replug needs (Linux
    lets a port be bound again over TIME_WAIT only when both sides set it). UDP never sets it.
    """
    sock = socket.socket(socket.AF_INET, kind)
    try:
        tcp = kind == socket.SOCK_STREAM
        if tcp and port != 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        if tcp:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.listen(8)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        what = "listen on" if kind == socket.SOCK_STREAM else "bind UDP"
        raise SimError(f"cannot {what} {host}:{port}: {exc.strerror}") from exc
    return sock


class Endpoint(ABC):
    """Where a driver connects: bytes in to the attached callback, bytes out with `write()`.

    A byte endpoint (``slows``) can be slowed: while ``delay_s`` > 0 what it sends leaves that much later, in
    order (the ``slow`` fault); unplugging drops what had not left yet.
    """

    slows: ClassVar[bool] = False

    def __init__(self) -> None:
        self._on_data: DataCallback = lambda data: None
        self._on_reset: ResetCallback = lambda: None
        self.plugged = False
        self.delay_s = 0.0
        self._late: deque[tuple[float, Callable[[bytes], None], bytes]] = deque()
        self._late_timer: asyncio.TimerHandle | None = None

    def slow(self, delay_s: float) -> None:
        """Send everything ``delay_s`` late from now on (0: on time again)."""
        if not self.slows:
            raise SimError(f"{type(self).__name__} {self.url}: what it sends cannot be delayed")
        self.delay_s = max(0.0, delay_s)

    def _out(self, send: Callable[[bytes], None], data: bytes) -> None:
        """``send(data)`` now, or ``delay_s`` later while slowed (after what is already waiting)."""
        if self.delay_s <= 0 and not self._late:
            send(data)
            return
        loop = asyncio.get_running_loop()
        self._late.append((loop.time() + self.delay_s, send, data))
        if self._late_timer is None:
            self._late_timer = loop.call_at(self._late[0][0], self._send_late)

    def _send_late(self) -> None:
        self._late_timer = None
        loop = asyncio.get_running_loop()
        while self._late and self._late[0][0] <= loop.time():
            _, send, data = self._late.popleft()
            send(data)
        if self._late:
            self._late_timer = loop.call_at(self._late[0][0], self._send_late)

    def _drop_late(self) -> None:
        """Forget what had not left yet (the port went away)."""
        if self._late_timer is not None:
            self._late_timer.cancel()
            self._late_timer = None
        self._late.clear()

    def attach(self, on_data: DataCallback, on_reset: ResetCallback | None = None) -> None:
        """Route received bytes to `on_data`; `on_reset` is told when the line drops (partial frames die)."""
        self._on_data = on_data
        self._on_reset = on_reset or (lambda: None)

    @property
    @abstractmethod
    def url(self) -> str:
        """What a driver opens: a device path, or a `socket://host:port` URL."""

    @abstractmethod
    def open(self) -> None:
        """Start serving; needs a running event loop."""

    @abstractmethod
    def close(self) -> None:
        """Stop serving and release every file descriptor."""

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send bytes to the driver (dropped while unplugged)."""

    @abstractmethod
    def unplug(self) -> None:
        """Make the port vanish, as a pulled adapter or a dead converter does."""

    @abstractmethod
    def replug(self) -> None:
        """Bring the port back under the same name."""


class PtyEndpoint(Endpoint):
    """A pseudo-terminal a driver opens with pyserial, reachable at a stable symlink (like a udev name).

    The slave fd stays open for the endpoint's life so reading the master does not fail while no driver has
    the port open. `unplug()` closes both ends and removes the symlink; `replug()` makes a new pty and
    points the symlink at it.
    """

    slows = True

    def __init__(self, link: Path) -> None:
        super().__init__()
        self.link = link
        self._master: int | None = None
        self._slave: int | None = None
        self._channel: _Channel | None = None
        self._rearm: asyncio.TimerHandle | None = None

    @property
    def url(self) -> str:
        """The stable symlink path."""
        return str(self.link)

    @property
    def tty_path(self) -> str | None:
        """The pty the symlink points at now, or None while unplugged."""
        return os.ttyname(self._slave) if self._slave is not None else None

    def open(self) -> None:
        """Create the pty and the symlink (replacing a stale symlink, never a regular file)."""
        if self.link.exists() and not self.link.is_symlink():
            raise SimConfigError(f"{self.link}: exists and is not a symlink; refusing to replace it")
        self.link.parent.mkdir(parents=True, exist_ok=True)
        self.replug()

    def close(self) -> None:
        """Close the pty and remove the symlink."""
        self.unplug()

    def replug(self) -> None:
        """New pty, symlink re-pointed atomically."""
        if self.plugged:
            return
        master, slave = os.openpty()
        try:
            tty.setraw(slave)
            os.set_blocking(master, False)
            tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self.link)
        except OSError:
            os.close(master)
            os.close(slave)
            raise
        self._master, self._slave = master, slave
        self._channel = _Channel(master, self._on_data_cb, self._lost)
        self._channel.start()
        self.plugged = True

    def unplug(self) -> None:
        """Close master and slave and remove the symlink: the driver's fd gets EIO, the path is gone."""
        if not self.plugged:
            return
        self.plugged = False
        if self._rearm is not None:
            self._rearm.cancel()
            self._rearm = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        self._drop_late()
        with contextlib.suppress(FileNotFoundError):
            if self.link.is_symlink():
                self.link.unlink()
        self._on_reset()

    def write(self, data: bytes) -> None:
        """Send bytes to whoever has the port open (kept in the tty buffer if no one does)."""
        self._out(self._write_now, data)

    def _write_now(self, data: bytes) -> None:
        if self._channel is not None:
            self._channel.write(data)

    def _on_data_cb(self, data: bytes) -> None:
        self._on_data(data)

    def _lost(self) -> None:
        # EIO: no slave open besides ours on some kernels, or the driver closed the port. Read again later.
        self._on_reset()
        if self.plugged and self._channel is not None:
            self._rearm = asyncio.get_running_loop().call_later(_REARM_S, self._resume)

    def _resume(self) -> None:
        self._rearm = None
        if self._channel is not None:
            self._channel.start()


class Session:
    """One client connection of a TcpEndpoint serving sessions: write to it, or hang up on it."""

    def __init__(self, endpoint: TcpEndpoint, fd: int, peer: str) -> None:
        self.endpoint = endpoint
        self.fd = fd
        self.peer = peer
        self.open = True

    def write(self, data: bytes) -> None:
        """Send bytes to this client only (dropped once it is closed)."""
        if self.open:
            self.endpoint._write_to(self.fd, data)

    def close(self) -> None:
        """Hang up, as a device closes a connection (wrong password, idle timeout, second client)."""
        if self.open:
            self.open = False
            self.endpoint._hang_up(self.fd)


class SessionHandler(Protocol):
    """What a protocol keeps per connection: it is told the bytes received and when the client went away."""

    def received(self, data: bytes) -> None: ...

    def lost(self) -> None: ...


SessionFactory = Callable[[Session], SessionHandler]
"""Called when a client connects (it may write a greeting at once); returns that connection's handler."""


class SocketEndpoint(Endpoint):
    """A port on 127.0.0.1 (TCP or UDP): bound on open and replug, closed on unplug, the same number throughout.

    Port 0 picks a free port once; the endpoint keeps it across unplug/replug. A subclass says which kind of
    socket and URL scheme it is, what to do when the socket is readable, and what to drop when it is unplugged.
    """

    kind: socket.SocketKind
    scheme: str
    slows = True

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__()
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """`<scheme>://host:port`, as the drivers take it."""
        return f"{self.scheme}://{self.host}:{self.port}"

    def open(self) -> None:
        """Bind (choosing the port now when it is 0)."""
        self.replug()

    def close(self) -> None:
        """Close the socket and everything it carries."""
        self.unplug()

    def replug(self) -> None:
        """Bind again on the same port."""
        if self.plugged:
            return
        sock = bound_socket(self.kind, self.host, self.port)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._readable)
        self.plugged = True

    def unplug(self) -> None:
        """Close the port: a client on this host gets "connection refused" until `replug()`."""
        if not self.plugged:
            return
        self.plugged = False
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        self._drop_late()
        self._dropped()
        self._on_reset()

    @abstractmethod
    def _readable(self) -> None:
        """The bound socket has something: a connection to accept, a datagram to read."""

    @abstractmethod
    def _dropped(self) -> None:
        """Forget what the closed port carried (connections, the last sender)."""


class UdpEndpoint(SocketEndpoint):
    """A UDP port: each `on_data` call is one datagram; `write()` answers the last sender."""

    kind = socket.SOCK_DGRAM
    scheme = "udp"
    MAX_DATAGRAM = 2048

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(port, host)
        self._peer: tuple[str, int] | None = None

    def write(self, data: bytes) -> None:
        """Send one datagram to whoever sent the last one (dropped while unplugged or before any request)."""
        self._out(self._write_now, data)

    def _write_now(self, data: bytes) -> None:
        if self._sock is None or self._peer is None:
            return
        with contextlib.suppress(OSError):
            self._sock.sendto(data, self._peer)

    def _readable(self) -> None:
        if self._sock is None:
            return
        try:
            data, peer = self._sock.recvfrom(self.MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError, ConnectionRefusedError):
            return  # ICMP "port unreachable" from a client that went away
        self._peer = peer
        self._on_data(data)

    def _dropped(self) -> None:
        self._peer = None


class TcpEndpoint(SocketEndpoint):
    """A raw TCP port, like a serial-over-IP converter: bytes in, bytes out, no framing.

    Replies go to every connected client, unless ``serve_sessions()`` gave it a factory: then each connection
    has its own handler (a greeting, a login, subscriptions), as network-native devices (PJLink, HyperDeck,
    Tesira) keep per client.
    """

    kind = socket.SOCK_STREAM
    scheme = "socket"

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(port, host)
        self._conns: dict[int, tuple[socket.socket, _Channel]] = {}
        self._session_factory: SessionFactory | None = None
        self._sessions: dict[int, tuple[Session, SessionHandler]] = {}

    def serve_sessions(self, factory: SessionFactory) -> None:
        """Give every new connection its own handler built by ``factory`` (set before clients connect)."""
        self._session_factory = factory

    @property
    def sessions(self) -> list[Session]:
        """The connected clients' sessions, oldest first."""
        return [session for session, _ in self._sessions.values()]

    @property
    def connections(self) -> int:
        """How many clients are connected now."""
        return len(self._conns)

    def _dropped(self) -> None:
        for fd in list(self._conns):
            self._drop(fd)

    def write(self, data: bytes) -> None:
        """Send bytes to every connected client."""
        self._out(self._write_all, data)

    def _write_all(self, data: bytes) -> None:
        for _, channel in self._conns.values():
            channel.write(data)

    def _readable(self) -> None:  # a client connects
        if self._sock is None:
            return
        try:
            conn, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fd = conn.fileno()
        factory = self._session_factory
        if factory is None:
            channel = _Channel(fd, self._on_data_cb, lambda: self._lost(fd))
            self._conns[fd] = (conn, channel)
            channel.start()
            return
        session = Session(self, fd, "{}:{}".format(*conn.getpeername()[:2]))
        channel = _Channel(fd, lambda data: self._session_data(fd, data), lambda: self._lost(fd))
        self._conns[fd] = (conn, channel)
        handler = factory(session)
        if session.open:
            self._sessions[fd] = (session, handler)
            channel.start()

    def _session_data(self, fd: int, data: bytes) -> None:
        entry = self._sessions.get(fd)
        if entry is not None:
            entry[1].received(data)

    def _write_to(self, fd: int, data: bytes) -> None:
        self._out(lambda late: self._write_now_to(fd, late), data)

    def _write_now_to(self, fd: int, data: bytes) -> None:
        conn = self._conns.get(fd)
        if conn is not None:
            conn[1].write(data)

    def _hang_up(self, fd: int) -> None:
        if fd in self._conns:
            self._drop(fd)

    def _on_data_cb(self, data: bytes) -> None:
        self._on_data(data)

    def _lost(self, fd: int) -> None:
        self._drop(fd)
        if not self._conns:
            self._on_reset()

    def _drop(self, fd: int) -> None:
        conn, channel = self._conns.pop(fd)
        channel.close()
        conn.close()
        entry = self._sessions.pop(fd, None)
        if entry is not None:
            entry[0].open = False
            entry[1].lost()
