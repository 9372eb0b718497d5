"""Secured MDC for the simulated Samsung displays: TLS with a PIN, on the TCP sessions of sim.samsung_mdc.

A display in secured mode greets each client with ``MDCSTART<<TLS>>``, then expects a TLS ClientHello; after the
handshake the first four bytes inside TLS are the PIN. ``MDCAUTH<<PASS>>`` lets MDC frames follow inside TLS;
a wrong PIN gets ``MDCAUTH<<FAIL:0001>>`` and the connection is closed; after `MAX_WRONG_PINS` wrong PINs in a
row the display answers ``MDCAUTH<<FAIL:0002>>`` (blocked) to every login until a test unblocks it [U: the
count and whether a real display unblocks by itself]. Plain MDC bytes where the ClientHello was due are hung up on.

TLS runs sans-IO (``ssl.MemoryBIO``) over the endpoint's session, with a throw-away self-signed certificate made
with ``cryptography`` when the line opens, in a temporary folder removed when it closes.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BANNER = b"MDCSTART<<TLS>>"
AUTH_PASS = b"MDCAUTH<<PASS>>"
WRONG_PIN, BLOCKED = b"MDCAUTH<<FAIL:0001>>", b"MDCAUTH<<FAIL:0002>>"
MAX_WRONG_PINS = 5
PIN_LENGTH = 4
TLS_HANDSHAKE = 0x16  # the first byte of a TLS record carrying a ClientHello


class Certificate:
    """A self-signed certificate and key for one simulated line, in a temporary folder until ``remove()``."""

    def __init__(self, common_name: str = "Samsung MDC simulator") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sim-mdc-tls-"))
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256())
        )
        self.der = cert.public_bytes(serialization.Encoding.DER)
        self.cert_file = self.folder / "display.crt"
        self.key_file = self.folder / "display.key"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_file, self.key_file)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PinLock:
    """The display's PIN and its count of wrong PINs in a row (shared by every connection)."""

    def __init__(self, pin: str = "0000") -> None:
        self.pin = pin
        self.wrong = 0

    @property
    def blocked(self) -> bool:
        return self.wrong >= MAX_WRONG_PINS

    def check(self, attempt: bytes) -> bytes:
        """The display's answer to one PIN attempt."""
        if self.blocked:
            return BLOCKED
        if attempt == self.pin.encode("ascii"):
            self.wrong = 0
            return AUTH_PASS
        self.wrong += 1
        return WRONG_PIN


class SecuredSession:
    """One client's secured MDC: TLS handshake, PIN login, then MDC bytes both ways inside TLS.

    ``write`` sends raw bytes to the client, ``hang_up`` closes its connection, ``deliver`` takes the MDC bytes
    a logged-in client sent.
    """

    def __init__(
        self,
        certificate: Certificate,
        lock: PinLock,
        write: Callable[[bytes], None],
        hang_up: Callable[[], None],
        deliver: Callable[[bytes], None],
    ) -> None:
        self.lock = lock
        self._write, self._hang_up, self._deliver = write, hang_up, deliver
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = certificate.context.wrap_bio(self._in, self._out, server_side=True)
        self.handshaken = False
        self.logged_in = False
        self._pin = b""
        self._first = True
        write(BANNER)

    def received(self, data: bytes) -> None:
        if self._first and data:
            self._first = False
            if data[0] != TLS_HANDSHAKE:
                self._hang_up()  # plain MDC where a TLS ClientHello was due
                return
        self._in.write(data)
        try:
            if not self.handshaken:
                self._tls.do_handshake()
                self.handshaken = True
            plain = self._read_plain()
        except ssl.SSLWantReadError:
            self._flush()
            return
        except ssl.SSLError:
            self._flush()
            self._hang_up()
            return
        self._flush()
        if plain:
            self._plain(plain)

    def send(self, data: bytes) -> None:
        """MDC bytes to the client, inside TLS."""
        try:
            self._tls.write(data)
        except ssl.SSLError:
            return
        self._flush()

    def _read_plain(self) -> bytes:
        chunks = []
        while True:
            try:
                chunk = self._tls.read(4096)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                chunk = b""
            if not chunk:  # the client's close_notify: answer it and hang up
                self._goodbye()
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def _plain(self, data: bytes) -> None:
        if self.logged_in:
            self._deliver(data)
            return
        self._pin += data
        if len(self._pin) < PIN_LENGTH:
            return
        attempt, rest = self._pin[:PIN_LENGTH], self._pin[PIN_LENGTH:]
        answer = self.lock.check(attempt)
        self.send(answer)
        if answer != AUTH_PASS:
            self._goodbye()
            return
        self.logged_in = True
        if rest:
            self._deliver(rest)

    def _goodbye(self) -> None:
        """TLS close_notify, then hang up."""
        with contextlib.suppress(ssl.SSLError):
            self._tls.unwrap()
        self._flush()
        self._hang_up()

    def _flush(self) -> None:
        data = self._out.read()
        if data:
            self._write(data)
