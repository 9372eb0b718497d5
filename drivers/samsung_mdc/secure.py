"""Secured MDC: MDC over TLS after a PIN, as Samsung displays since about 2020 speak it on TCP 1515.

On connect the display sends ``MDCSTART<<TLS>>`` in the clear; the client starts TLS on the same socket, sends
the display's PIN (4 ASCII digits) inside it and gets ``MDCAUTH<<PASS>>``, or ``MDCAUTH<<FAIL:XXXX>>`` (hex code:
0001 wrong PIN, 0002 blocked after too many wrong PINs). MDC frames then flow inside TLS unchanged
(docs/protocols-samsung-mdc.md). The display's certificate is self-signed: it is not checked against a CA; with
``certificate_sha256`` set, its SHA-256 fingerprint must match (pinning).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import ssl
from pathlib import Path

from drivers.errors import ConfigError, DeviceNak, NotExecutable, TransportLost
from drivers.transports.tcp import TcpTransport

log = logging.getLogger(__name__)

TLS_BANNER = b"MDCSTART<<TLS>>"
AUTH_PASS = b"MDCAUTH<<PASS>>"
AUTH_FAIL = re.compile(rb"^MDCAUTH<<FAIL:([0-9A-Fa-f]{4})>>$")
FAIL_REASONS = {1: "wrong PIN", 2: "blocked after too many wrong PINs"}
PIN = re.compile(r"^\d{4}$")
CLOSE_TIMEOUT_S = 1.0


def read_pin(path: Path, where: str) -> str:
    """The PIN in ``path`` (its first line, blanks dropped): four digits, as the display's menu sets it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path}: {exc.strerror}") from None
    lines = text.strip().splitlines()
    pin = lines[0].strip() if lines else ""
    if not PIN.match(pin):
        raise ConfigError(f"{where}: {path} must hold the display's PIN: four digits")
    return pin


def fingerprint(der: bytes) -> str:
    """A certificate's SHA-256 as colon-separated lower-case hex (``ab:cd:...``)."""
    return ":".join(f"{b:02x}" for b in hashlib.sha256(der).digest())


def client_context() -> ssl.SSLContext:
    """TLS for a display's self-signed certificate: no CA, no host name (pinning is checked after)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SecuredMdcTransport(TcpTransport):
    """A TCP transport that, once connected, expects the TLS banner, starts TLS and logs in with the PIN."""

    def __init__(
        self,
        url: str,
        pin: str,
        *,
        default_port: int | None = None,
        certificate_sha256: str | None = None,
        login_timeout_s: float = 3.0,
    ) -> None:
        super().__init__(url, default_port)
        self.pin = pin
        self.certificate_sha256 = certificate_sha256.lower() if certificate_sha256 else None
        self.login_timeout_s = login_timeout_s
        self.peer_fingerprint: str | None = None

    async def open(self) -> None:
        if self.is_open:
            return
        await super().open()
        try:
            async with asyncio.timeout(self.login_timeout_s):
                await self._login()
        except TimeoutError:
            await self.close()
            raise TransportLost(
                f"{self.url}: no secured MDC login within {self.login_timeout_s:g} s (a display with secured "
                "MDC off sends no MDCSTART<<TLS>>: remove options.pin_file for it)"
            ) from None
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close; a display that does not answer TLS close_notify is cut off after a second, not thirty."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await writer.wait_closed()
        except TimeoutError:
            writer.transport.abort()
        except Exception:  # closing never raises
            log.debug("%s: closing the TLS connection failed", self.url)

    async def _login(self) -> None:
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None
        try:
            banner = await reader.readexactly(len(TLS_BANNER))
        except (asyncio.IncompleteReadError, OSError) as exc:
            raise TransportLost(f"{self.url}: the display hung up before MDCSTART<<TLS>>: {exc}") from None
        if banner != TLS_BANNER:
            raise TransportLost(f"{self.url}: expected MDCSTART<<TLS>>, got {banner!r}")
        try:
            await writer.start_tls(client_context())
        except (ssl.SSLError, OSError) as exc:
            raise TransportLost(f"{self.url}: TLS with the display failed: {exc}") from None
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True) or b""
        self.peer_fingerprint = fingerprint(der)
        if self.certificate_sha256 is not None and self.peer_fingerprint != self.certificate_sha256:
            raise TransportLost(
                f"{self.url}: the display's certificate is {self.peer_fingerprint}, "
                f"not the certificate_sha256 configured"
            )
        try:
            writer.write(self.pin.encode("ascii"))
            await writer.drain()
            answer = await reader.readexactly(len(AUTH_PASS))
            if answer == AUTH_PASS:
                log.debug("%s: secured MDC login accepted", self.url)
                return
            if answer.startswith(b"MDCAUTH<<FAIL:"):
                answer += await reader.readuntil(b">>")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as exc:
            raise TransportLost(f"{self.url}: the display hung up during the PIN login: {exc}") from None
        match = AUTH_FAIL.match(answer)
        if match is None:
            raise TransportLost(f"{self.url}: unexpected secured MDC answer {answer!r}")
        code = int(match.group(1), 16)
        text = f"{self.url}: the display refused the PIN: {FAIL_REASONS.get(code, f'code {code:04X}')}"
        raise (NotExecutable if code == 2 else DeviceNak)(text, code)
