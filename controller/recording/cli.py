"""``courtroom recording verify|list HEARING``: a hearing's software recording checked against its signed manifest.

``verify`` checks the manifest's signature with the room's key and every segment's SHA-256 in the store and in
the backup store, and names the first file that does not match (exit 1). ``list`` prints the segments with their
times. HEARING is a hearing id or a case number.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from controller.recording.manifest import RecordingError, find_manifests, load_manifest, verify
from controller.recording.stores import recording_stores


def _fmt(ts: object) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts / 1000)) if isinstance(ts, int) else "—"


def _manifests(args: argparse.Namespace) -> tuple[Any, list[tuple[str, Path, Path | None, dict[str, Any]]]]:
    from controller.config import load_config

    config = load_config(args.config)
    found = []
    for recorder, (store, backup) in recording_stores(config).items():
        for path in find_manifests([store], args.hearing):
            found.append((recorder, store, backup, load_manifest(path)))
    if not found:
        stores = ", ".join(str(s) for s, _ in recording_stores(config).values()) or "none configured"
        raise RecordingError(f"no recording manifest for hearing '{args.hearing}' (stores: {stores})")
    return config, found


def cmd_recording(args: argparse.Namespace) -> int:
    config, found = _manifests(args)
    if args.recording_command == "list":
        for recorder, store, _backup, manifest in found:
            print(f"hearing {manifest['hearing_id']} ({manifest.get('case_no')}) on {recorder}, store {store}")
            for s in manifest["segments"]:
                backed = "backup verified" if s.get("backup") else "no backup copy yet"
                print(
                    f"  {s['file']}  {_fmt(s['start_ts'])} - {_fmt(s['end_ts'])}  {s['bytes']} bytes  "
                    f"sha256 {s['sha256'][:16]}…  {backed}"
                )
        return 0
    from controller.signing import RoomKey

    public = RoomKey.load(config.signing_key_path).public
    status = 0
    for recorder, store, backup, manifest in found:
        stores = {"store": store} if backup is None else {"store": store, "backup": backup}
        checked, bad = verify(manifest, public, stores)
        if bad is None:
            where = ", ".join(stores)
            print(f"{recorder}: hearing {manifest['hearing_id']}: signature ok, {checked} files match ({where})")
            continue
        status = 1
        where = f"{bad.where} {bad.file}" if bad.file else bad.where
        print(f"{recorder}: hearing {manifest['hearing_id']}: {where}: {bad.problem} ({checked} files before it match)")
    return status


def add_recording_parser(sub: Any) -> None:
    """``courtroom recording verify|list HEARING --config ROOM.yaml``."""
    p = sub.add_parser("recording", help="a hearing's software recording: verify against the signed manifest, list")
    rec_sub = p.add_subparsers(dest="recording_command", required=True)
    for name, text in (
        ("verify", "check the signature and every segment in both stores; exit 1 naming the first mismatch"),
        ("list", "every segment of the hearing with its times, size and hash"),
    ):
        r = rec_sub.add_parser(name, help=text)
        r.add_argument("hearing", help="hearing id or case number")
        r.add_argument(
            "--config", type=Path, default=Path("/etc/courtroom/room.yaml"), help="room config (its recorders' stores)"
        )
    p.set_defaults(func=cmd_recording)
