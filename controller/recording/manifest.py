"""The per-hearing manifest: every sealed segment's SHA-256, signed with the room's Ed25519 key.

``<store>/manifests/<hearing_id>.json`` (and the same file in the backup store): the hearing, the room's key
fingerprint and public half, the segments (recorder, stream, index, clip, file under the store, SHA-256, bytes,
times, and whether the backup copy was verified) and ``signature``, the room key's signature of the manifest's
canonical JSON without ``signature``. ``verify()`` checks the signature and then every file of both stores, and
names the first that does not match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controller.signing import RoomKey, verify_signature
from drivers.errors import CourtroomError
from drivers.recording.sealer import sha256_file

MANIFESTS = "manifests"


class RecordingError(CourtroomError):
    """A manifest or recording file is missing, unreadable or does not match."""

    code = "RECORDING_ERROR"


def manifest_path(store: Path, hearing_id: str) -> Path:
    return store / MANIFESTS / f"{hearing_id}.json"


def canonical(manifest: dict[str, Any]) -> bytes:
    """What is signed: the manifest without ``signature``, sorted keys, no spaces, UTF-8."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def new_manifest(hearing_id: str, room_id: str, case_no: str | None, key: RoomKey) -> dict[str, Any]:
    return {
        "schema": 1,
        "hearing_id": hearing_id,
        "room_id": room_id,
        "case_no": case_no,
        "key_fingerprint": key.fingerprint,
        "public_key": key.public_text,
        "segments": [],
    }


def sign(manifest: dict[str, Any], key: RoomKey) -> dict[str, Any]:
    manifest["signature"] = key.sign(canonical(manifest))
    return manifest


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file, fsync, rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecordingError(f"manifest {path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordingError(f"manifest {path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise RecordingError(f"manifest {path}: not a recording manifest (no segments list)")
    return data


def find_manifests(stores: list[Path], key: str) -> Iterator[Path]:
    """Manifests of the hearing ``key`` (hearing id or case number) in the given stores."""
    for store in stores:
        folder = store / MANIFESTS
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.stem == key:
                yield path
                continue
            try:
                if load_manifest(path).get("case_no") == key:
                    yield path
            except RecordingError:
                continue


@dataclass(frozen=True)
class Mismatch:
    """The first thing that does not match the signed manifest."""

    where: str  # "signature", or the store's name
    file: str | None
    problem: str  # in English, for logs and the technician
    reason: str = ""  # signature | unreadable | hash | size: the key of its words in the catalogue (verify.rec.*)
    fields: dict[str, object] = field(default_factory=dict)


def verify(manifest: dict[str, Any], public: Ed25519PublicKey, stores: dict[str, Path]) -> tuple[int, Mismatch | None]:
    """Check the signature, then every segment in every store: (files checked, the first mismatch or None)."""
    signature = manifest.get("signature")
    if not isinstance(signature, str) or not verify_signature(public, canonical(manifest), signature):
        return 0, Mismatch(
            "signature", None, "the manifest's signature does not verify with the room's key", "signature"
        )
    checked = 0
    for segment in manifest["segments"]:
        for name, store in stores.items():
            path = store / str(segment["file"])
            try:
                digest, size = sha256_file(path)
            except OSError as exc:
                error = exc.strerror or str(exc)
                return checked, Mismatch(
                    name, segment["file"], f"cannot read {path}: {error}", "unreadable", {"path": path, "error": error}
                )
            if digest != segment["sha256"]:
                return checked, Mismatch(
                    name, segment["file"], f"SHA-256 {digest} differs from the manifest's", "hash", {"digest": digest}
                )
            if size != segment["bytes"]:
                return checked, Mismatch(
                    name, segment["file"], f"{size} bytes, the manifest says {segment['bytes']}", "size",
                    {"size": size, "expected": segment["bytes"]},
                )
            checked += 1
    return checked, None
