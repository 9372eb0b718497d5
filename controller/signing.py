"""The room's signing key: one Ed25519 key per control PC, for what the room must not be able to rewrite later.

The journal's checkpoints and the recording manifests are signed with it; the central platform keeps the
public half (``courtroom key show``) and the anchors the daemon publishes, so a record cut short or re-chained
on the control PC no longer matches what the platform holds. The private half is created on first use, written
with mode 0600 in a 0700 folder (readable by the service user only), and never leaves the machine.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from drivers.errors import CourtroomError

KEY_FILE = "signing-key.pem"
"""File name of the private key under the room's ``state_dir/keys`` (unless the config names another path)."""


class SigningError(CourtroomError):
    """The signing key cannot be read or created, or a signature is not well formed."""

    code = "SIGNING_ERROR"


def default_key_path(state_dir: Path) -> Path:
    """Where the room's key lives when the config does not say: ``<state_dir>/keys/signing-key.pem``."""
    return state_dir / "keys" / KEY_FILE


def public_text(public: Ed25519PublicKey) -> str:
    """The 32 raw bytes of a public key, base64 (what the platform stores and ``--public-key`` takes)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public: Ed25519PublicKey) -> str:
    """A short name for a public key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public(text: str) -> Ed25519PublicKey:
    """A public key from ``public_text()``'s form; SigningError naming the problem otherwise."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise SigningError(f"public key {text[:20]!r}: not a base64 Ed25519 key of 32 bytes ({exc})") from None


def verify_signature(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    """True when ``signature`` (base64) is ``public``'s signature of ``message``."""
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class RoomKey:
    """The room's private signing key and where it was read from."""

    path: Path
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_text(self) -> str:
        return public_text(self.public)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, message: bytes) -> str:
        """The Ed25519 signature of ``message``, base64."""
        return base64.b64encode(self.private.sign(message)).decode("ascii")

    def verify(self, message: bytes, signature: str) -> bool:
        return verify_signature(self.public, message, signature)

    @classmethod
    def load(cls, path: Path) -> RoomKey:
        """Read an existing key; SigningError (naming the file) when it is missing or not an Ed25519 key."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningError(f"signing key {path}: cannot read: {exc.strerror}") from None
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningError(f"signing key {path}: not a PEM private key: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise SigningError(f"signing key {path}: not an Ed25519 key")
        return cls(path, private)

    @classmethod
    def load_or_create(cls, path: Path) -> RoomKey:
        """The key at ``path``, created (0600, folder 0700) when there is none yet."""
        if path.exists():
            return cls.load(path)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.load(path)  # another process made it first: use theirs
        except OSError as exc:
            raise SigningError(f"signing key {path}: cannot create: {exc.strerror}") from None
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        return cls(path, private)
