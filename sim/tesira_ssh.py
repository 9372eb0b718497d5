"""An SSH server endpoint for the simulated Tesira (asyncssh's server): TTP in an SSH shell session.

Current Tesira firmware ships with telnet off and SSH on (docs/protocols-tesira.md). The endpoint listens on
127.0.0.1 (a free port, kept across unplug/replug), logs a client in with a user name and password, and hands
each shell session to the session factory as a `SshSession` (``write``, ``close``, ``open``), as `TcpEndpoint`
hands out its sessions. The host key is an Ed25519 key generated at start into a temporary folder that
`close()` removes; `known_hosts_line` is what a client's known_hosts file needs to trust it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import asyncssh

from sim.endpoints import Endpoint, bound_socket

DEFAULT_USERS = {"default": ""}  # a Tesira's factory login: user "default", no password


class SshHandler(Protocol):
    """What a session factory returns: told of received bytes and of the session's end."""

    def received(self, data: bytes) -> None: ...

    def lost(self) -> None: ...


class SshSession:
    """One client's shell session: write to it, or hang up on it."""

    def __init__(self, channel: asyncssh.SSHServerChannel[bytes], peer: str) -> None:
        self.channel = channel
        self.peer = peer
        self.open = True

    def write(self, data: bytes) -> None:
        if self.open:
            with contextlib.suppress(OSError, asyncssh.Error, BrokenPipeError):
                self.channel.write(data)

    def close(self) -> None:
        """Hang up on this client (the connection closes)."""
        if self.open:
            self.open = False
            self.channel.get_connection().close()


class _Server(asyncssh.SSHServer):
    def __init__(self, endpoint: SshEndpoint) -> None:
        self.endpoint = endpoint
        self.users = endpoint.users

    def session_requested(self) -> _ShellSession:
        return _ShellSession(self.endpoint)

    def begin_auth(self, username: str) -> bool:
        return True  # always ask for a password, even an empty one

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username in self.users and self.users[username] == password


class _ShellSession(asyncssh.SSHServerSession[bytes]):
    def __init__(self, endpoint: SshEndpoint) -> None:
        self.endpoint = endpoint
        self.session: SshSession | None = None
        self.handler: SshHandler | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        peer = chan.get_extra_info("peername") or ("?", 0)
        self.session = SshSession(chan, f"{peer[0]}:{peer[1]}")

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        if self.session is not None and self.endpoint.factory is not None:
            self.endpoint.sessions.append(self.session)
            self.handler = self.endpoint.factory(self.session)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if self.handler is not None and self.session is not None and self.session.open:
            self.handler.received(data)

    def eof_received(self) -> bool:
        return False  # close the channel

    def connection_lost(self, exc: Exception | None) -> None:
        if self.session is not None:
            self.session.open = False
            if self.session in self.endpoint.sessions:
                self.endpoint.sessions.remove(self.session)
        if self.handler is not None:
            self.handler.lost()
            self.handler = None


class SshEndpoint(Endpoint):
    """An SSH server on 127.0.0.1 serving shell sessions; ``users`` maps user names to passwords."""

    def __init__(self, users: Mapping[str, str] | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.users = dict(users or DEFAULT_USERS)
        self.factory: Callable[[SshSession], SshHandler] | None = None
        self.sessions: list[SshSession] = []
        self._folder: Path | None = None
        self._key: asyncssh.SSHKey | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._starting: asyncio.Task[None] | None = None

    def serve_sessions(self, factory: Callable[[SshSession], SshHandler]) -> None:
        """Give every shell session its own handler built by ``factory``."""
        self.factory = factory

    @property
    def url(self) -> str:
        return f"ssh://{self.host}:{self.port}"

    @property
    def key_folder(self) -> Path | None:
        """The temporary folder holding the host key (None before open and after close)."""
        return self._folder

    @property
    def known_hosts_line(self) -> str:
        """``[127.0.0.1]:PORT ssh-ed25519 AAAA...``: trusts this server's host key in a known_hosts file."""
        if self._key is None:
            raise RuntimeError("the SSH endpoint is not open")
        public = self._key.export_public_key("openssh").decode().split()
        return f"[{self.host}]:{self.port} {public[0]} {public[1]}"

    def open(self) -> None:
        """Generate the host key into a temporary folder and listen."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="sim-tesira-ssh-"))
            self._key = asyncssh.generate_private_key("ssh-ed25519")
            self._key.write_private_key(str(self._folder / "host_key"))
        self.replug()

    def close(self) -> None:
        """Stop listening, drop every session and remove the host key's folder."""
        self.unplug()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def write(self, data: bytes) -> None:
        """Send bytes to every open session."""
        for session in list(self.sessions):
            session.write(data)

    def replug(self) -> None:
        """Listen again on the same port."""
        if self.plugged or self._folder is None:
            return
        sock = bound_socket(socket.SOCK_STREAM, self.host, self.port)
        self.port = sock.getsockname()[1]
        self.plugged = True
        self._starting = asyncio.get_running_loop().create_task(self._listen(sock))

    async def _listen(self, sock: socket.socket) -> None:
        assert self._folder is not None
        try:
            self._acceptor = await asyncssh.listen(
                sock=sock,
                server_host_keys=[str(self._folder / "host_key")],
                server_factory=lambda: _Server(self),
                encoding=None,
                login_timeout=10,
            )
        except BaseException:
            sock.close()
            raise

    def unplug(self) -> None:
        """Stop listening and close every connection: clients see the peer go away."""
        if not self.plugged:
            return
        self.plugged = False
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        self._starting = None
        for session in list(self.sessions):
            session.close()
        self.sessions.clear()
        if self._acceptor is not None:
            self._acceptor.close()
            self._acceptor = None
        self._on_reset()
