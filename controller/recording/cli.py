"""``courtroom recording verify|list HEARING``: a hearing's software recording checked against its signed manifest.

``verify`` checks the manifest's signature with the room's key and every segment's SHA-256 in the store and in
the backup store, and names the first file that does not match (exit 1). ``list`` prints the segments with their
times. HEARING is a hearing id or a case number.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from controller import texts
from controller.recording.manifest import RecordingError, find_manifests, load_manifest, verify
from controller.recording.stores import recording_stores


def _fmt(ts: object, zone: ZoneInfo) -> str:
    """A segment's time in the room's zone (the record's rule), not the machine's: the zone is named once above."""
    if not isinstance(ts, int):
        return "—"
    return datetime.fromtimestamp(ts / 1000, zone).strftime("%Y-%m-%d %H:%M:%S")


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
    lang = texts.language(args.lang)
    config, found = _manifests(args)
    if args.recording_command == "list":
        zone = config.room.zone
        offset = datetime.now(zone).strftime("%z")
        for recorder, store, _backup, manifest in found:
            print(
                texts.text(
                    "verify.rec.hearing",
                    lang,
                    hearing=manifest["hearing_id"],
                    case=manifest.get("case_no"),
                    recorder=recorder,
                    store=store,
                )
            )
            print(
                texts.text("verify.rec.times", lang, zone=config.room.timezone, offset=f"UTC{offset[:3]}:{offset[3:]}")
            )
            for s in manifest["segments"]:
                backed = texts.text("verify.rec.backed" if s.get("backup") else "verify.rec.not_backed", lang)
                print(
                    texts.text(
                        "verify.rec.segment",
                        lang,
                        file=s["file"],
                        start=_fmt(s["start_ts"], zone),
                        end=_fmt(s["end_ts"], zone),
                        bytes=s["bytes"],
                        sha=s["sha256"][:16],
                        backup=backed,
                    )
                )
        return 0
    from controller.signing import RoomKey

    public = RoomKey.load(config.signing_key_path).public
    status = 0
    for recorder, store, backup, manifest in found:
        stores = {"store": store} if backup is None else {"store": store, "backup": backup}
        checked, bad = verify(manifest, public, stores)
        if bad is None:
            where = texts.text("verify.join", lang).join(texts.text(f"verify.rec.{s}", lang) for s in stores)
            print(
                texts.text(
                    "verify.rec.ok",
                    lang,
                    recorder=recorder,
                    hearing=manifest["hearing_id"],
                    checked=checked,
                    where=where,
                )
            )
            continue
        status = 1
        place = texts.text(f"verify.rec.{bad.where}", lang)
        problem = texts.text(f"verify.rec.problem.{bad.reason}", lang, **bad.fields) if bad.reason else bad.problem
        print(
            texts.text(
                "verify.rec.bad",
                lang,
                recorder=recorder,
                hearing=manifest["hearing_id"],
                where=f"{place} {bad.file}" if bad.file else place,
                problem=problem,
                checked=checked,
            )
        )
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
        r.add_argument("--lang", help="zh or en for what it prints (default: from LANG)")
        r.add_argument(
            "--config", type=Path, default=Path("/etc/courtroom/room.yaml"), help="room config (its recorders' stores)"
        )
    p.set_defaults(func=cmd_recording)
