"""The room's signing key: created once with owner-only permissions, reloaded unchanged, signatures checked."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from controller.signing import RoomKey, SigningError, load_public, verify_signature


def test_created_once_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "keys" / "signing-key.pem"
    key = RoomKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = RoomKey.load_or_create(path)
    assert again.public_text == key.public_text and again.fingerprint == key.fingerprint
    signature = key.sign(b"seq=7 hash=ab")
    assert verify_signature(load_public(key.public_text), b"seq=7 hash=ab", signature)
    assert not verify_signature(load_public(key.public_text), b"seq=8 hash=ab", signature)
    assert not key.verify(b"seq=7 hash=ab", "not base64!")


def test_bad_key_files_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "signing-key.pem"
    bad.write_text("hello")
    with pytest.raises(SigningError, match=r"signing-key\.pem: not a PEM private key"):
        RoomKey.load(bad)
    with pytest.raises(SigningError, match="cannot read"):
        RoomKey.load(tmp_path / "missing.pem")
    with pytest.raises(SigningError, match="not a base64 Ed25519 key"):
        load_public("abcd")


def test_cli_key_init_and_show(tmp_path: Path) -> None:
    room = tmp_path / "room.yaml"
    room.write_text(f"room: {{id: b2-cr104, name: 第四法庭}}\nstate_dir: {tmp_path / 'state'}\n")
    run = [sys.executable, "-m", "controller.cli", "key"]
    shown = subprocess.run([*run, "show", str(room)], capture_output=True, text=True, check=False)
    assert shown.returncode == 1 and "cannot read" in shown.stderr
    made = subprocess.run([*run, "init", str(room)], capture_output=True, text=True, check=True)
    shown = subprocess.run([*run, "show", str(room)], capture_output=True, text=True, check=True)
    assert made.stdout == shown.stdout and "fingerprint " in shown.stdout
    assert (tmp_path / "state" / "keys" / "signing-key.pem").exists()
