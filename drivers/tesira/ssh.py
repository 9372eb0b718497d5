"""TTP over SSH: a byte stream in an SSH shell session (asyncssh), for Tesira units with telnet switched off.

The room config names the unit ``ssh://host[:22]`` and points ``options.credentials_file`` at a YAML file
kept outside the room config (mode 0600): ``username``, ``password`` and ``known_hosts`` (an OpenSSH
known_hosts file holding the unit's host key), or ``host_key_check: false`` to trust any host key on a
closed control network. The file is read when the device is built; a missing or malformed file is a
ConfigError naming the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from urllib.parse import urlsplit

import asyncssh
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.errors import ConfigError, TransportLost
from drivers.profiles import parse_options

log = logging.getLogger(__name__)

SSH_PORT = 22
READ_CHUNK = 4096


class SshCredentials(BaseModel):
    """What a credentials file holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1)
    password: str = ""
    known_hosts: Path | None = None
    host_key_check: bool = True

    @model_validator(mode="after")
    def _trust(self) -> SshCredentials:
        if self.host_key_check and self.known_hosts is None:
            raise ValueError("known_hosts: name a known_hosts file, or set host_key_check: false")
        return self


def read_credentials(path: Path, where: str) -> SshCredentials:
    """The credentials in ``path`` (YAML); ConfigError naming ``where`` and the key when they are wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: {path} is not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {path} must hold a mapping (username, password, known_hosts)")
    credentials = parse_options(SshCredentials, data, f"{where} ({path})", ConfigError)
    if credentials.known_hosts is not None and not credentials.known_hosts.is_absolute():
        credentials = credentials.model_copy(update={"known_hosts": path.parent / credentials.known_hosts})
    return credentials


def parse_ssh_url(url: str) -> tuple[str, int]:
    """``ssh://host[:port]`` -> (host, port); ConfigError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "ssh" or not parts.hostname:
        raise ConfigError(f"transport.port: '{url}' is not ssh://host[:port]")
    try:
        return parts.hostname, parts.port or SSH_PORT
    except ValueError:
        raise ConfigError(f"transport.port: '{url}' has no valid port number") from None


class SshShellStream:
    """A reopenable byte stream: an SSH connection and one shell session on it (the ByteStream contract)."""

    def __init__(self, url: str, credentials: SshCredentials, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        self.host, self.port = parse_ssh_url(url)
        self.credentials = credentials
        self.connect_timeout_s = connect_timeout_s
        self._conn: asyncssh.SSHClientConnection | None = None
        self._writer: asyncssh.SSHWriter[bytes] | None = None
        self._reader: asyncssh.SSHReader[bytes] | None = None

    @property
    def name(self) -> str:
        return self.url

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._writer.channel.is_closing()

    async def open(self) -> None:
        """Connect, log in and start a shell; TransportLost (with the reason) when any step fails."""
        if self.is_open:
            return
        creds = self.credentials
        known_hosts = str(creds.known_hosts) if creds.host_key_check and creds.known_hosts else None
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                conn = await asyncssh.connect(
                    self.host,
                    self.port,
                    username=creds.username,
                    password=creds.password,
                    known_hosts=known_hosts,
                    client_keys=None,  # a password login; no keys from ~/.ssh
                    agent_path=None,
                    config=None,
                    preferred_auth="password,keyboard-interactive",
                )
                try:
                    writer, reader, _ = await conn.open_session(encoding=None)
                except BaseException:
                    conn.close()
                    raise
        except TimeoutError:
            raise TransportLost(f"{self.url}: no SSH session within {self.connect_timeout_s:g} s") from None
        except asyncssh.PermissionDenied:
            raise TransportLost(f"{self.url}: SSH login refused for user {creds.username!r}") from None
        except asyncssh.HostKeyNotVerifiable as exc:
            raise TransportLost(f"{self.url}: the unit's SSH host key is not in {creds.known_hosts}: {exc}") from None
        except (OSError, asyncssh.Error) as exc:
            raise TransportLost(f"{self.url}: cannot open an SSH session: {exc}") from exc
        self._conn, self._writer, self._reader = conn, writer, reader
        log.debug("SSH session open to %s as %s", self.url, creds.username)

    async def write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None or writer.channel.is_closing():
            raise TransportLost(f"{self.url}: not open")
        try:
            writer.write(data)
            await writer.drain()
        except (OSError, asyncssh.Error) as exc:
            raise TransportLost(f"{self.url}: write failed: {exc}") from exc

    async def read(self) -> bytes:
        reader = self._reader
        if reader is None:
            raise TransportLost(f"{self.url}: not open")
        try:
            data = await reader.read(READ_CHUNK)
        except (OSError, asyncssh.Error) as exc:
            raise TransportLost(f"{self.url}: SSH session lost: {exc}") from exc
        if not data:
            raise TransportLost(f"{self.url}: the unit closed the SSH session")
        return data

    async def close(self) -> None:
        conn, self._conn, self._writer, self._reader = self._conn, None, None, None
        if conn is None:
            return
        conn.close()
        with contextlib.suppress(Exception):
            await conn.wait_closed()
