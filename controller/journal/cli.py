"""`courtroom journal list|verify|export`: the journal from the command line.

``verify`` walks the chain, checks every signed checkpoint against the room's public key and, given an anchor
(``--anchor SEQ:HASH`` as the central platform kept it, or ``--anchor-from-broker``: the retained
``$ctl/journal``), that the journal still reaches it; it names the first bad row. ``export`` verifies first,
then writes the hearing's record (md, json, html or an A4 pdf; Chinese or ``--lang en``) with the head hash and
checkpoint in it. A damaged database file is a one-line error naming what could not be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controller import texts
from controller.journal.checkpoint import Checkpoint, Verification, verify_journal
from controller.journal.rows import JournalError
from controller.journal.store import JournalFile
from drivers.errors import CourtroomError

ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


@dataclass
class Source:
    """A journal named on the command line: its file, and what a room config adds (key, zone, broker)."""

    path: Path
    room_id: str = "?"
    config: Path | None = None
    key_path: Path | None = None
    zone: ZoneInfo | None = None


def source(path: Path) -> Source:
    if path.suffix not in (".yaml", ".yml"):
        return Source(path)
    from controller.config import load_config

    config = load_config(path)
    return Source(config.state_dir / "journal.sqlite", config.room.id, path, config.signing_key_path, config.room.zone)


def public_key(args: argparse.Namespace, src: Source) -> Ed25519PublicKey:
    """``--public-key``, or the room's own key from its config; a clear error otherwise."""
    from controller.signing import RoomKey, load_public

    if args.public_key:
        return load_public(args.public_key)
    if src.key_path is not None:
        try:
            return RoomKey.load(src.key_path).public
        except CourtroomError as exc:
            raise CourtroomError(f"{exc}; give --public-key (`courtroom key show` prints it as root)") from None
    raise CourtroomError(
        "the checkpoints' signatures need the room's public key: give --public-key (`courtroom key show` prints it) "
        "or the room config instead of the journal file"
    )


def anchor(args: argparse.Namespace, src: Source, public: Ed25519PublicKey) -> tuple[int, str] | None:
    if args.anchor:
        match = ANCHOR.match(args.anchor.strip())
        if match is None:
            raise CourtroomError(f"--anchor '{args.anchor}': write SEQ:HASH (a row number and its 64 hex digits)")
        return int(match.group(1)), match.group(2)
    if not getattr(args, "anchor_from_broker", False):
        return None
    if src.config is None:
        raise CourtroomError("--anchor-from-broker needs the room config (its broker and room id)")
    from controller import ctl

    retained = asyncio.run(ctl.read_retained(ctl.Target.from_config(src.config)))
    held = retained.get("$ctl/journal")
    if not isinstance(held, dict):
        raise CourtroomError(f"no retained $ctl/journal for room {src.room_id} on the broker")
    checkpoint = Checkpoint.from_data(str(held.get("room_id")), {**held, "key": held.get("key_fingerprint")}, None)
    from controller.signing import verify_signature

    if not verify_signature(public, checkpoint.message(), checkpoint.signature):
        raise CourtroomError("the broker's $ctl/journal is not signed by the room's key: not an anchor to trust")
    return checkpoint.seq, checkpoint.hash


def open_journal(src: Source) -> JournalFile:
    if not src.path.exists():
        raise JournalError(f"journal {src.path}: no such file")
    return JournalFile(src.path, src.room_id, create=False)


def verified(file: JournalFile, args: argparse.Namespace, src: Source) -> Verification:
    public = public_key(args, src)
    return verify_journal(file, public, anchor(args, src, public))


def _verify(file: JournalFile, args: argparse.Namespace, src: Source) -> int:
    lang = texts.language(args.lang)
    report = verified(file, args, src)
    print(report.summary(lang))
    if not report.ok:
        return 1
    print(texts.text("verify.head", lang, seq=report.head_seq, hash=report.head_hash))
    if report.last_checkpoint is not None:
        c = report.last_checkpoint
        print(texts.text("verify.latest", lang, row=c.checkpoint_seq, seq=c.seq, hash=c.hash, fingerprint=c.key))
    return 0


def _export(file: JournalFile, args: argparse.Namespace, src: Source) -> int:
    from controller.hearing.record import build_record, find_hearing
    from controller.hearing.record_render import render_html, render_markdown, render_pdf

    lang = texts.language(args.lang)  # the record's language is also the language of what export says
    report = None
    if not args.unverified:
        report = verified(file, args, src)
        if not report.ok:
            print(texts.text("verify.export_refused", lang, summary=report.summary(lang)), file=sys.stderr)
            return 1
        summary = report.summary(lang)
        print(
            texts.text("verify.export_head", lang, summary=summary, seq=report.head_seq, hash=report.head_hash),
            file=sys.stderr,
        )
    record = build_record(file, find_hearing(file, args.hearing), args.lang, report, src.zone)
    if args.format == "pdf":
        if args.output is None:
            raise CourtroomError("--format pdf writes a file: give --output FILE.pdf")
        render_pdf(record, args.output)
        print(texts.text("verify.written", lang, path=args.output), file=sys.stderr)
        return 0
    if args.format == "json":
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_html(record) if args.format == "html" else render_markdown(record)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def run(args: argparse.Namespace) -> int:
    src = source(args.source)
    file = open_journal(src)
    try:
        if args.journal_command == "verify":
            return _verify(file, args, src)
        if args.journal_command == "export":
            return _export(file, args, src)
        for entry in file.entries():
            data = json.dumps(entry.data, ensure_ascii=False)
            print(f"{entry.seq:>6} {entry.ts_ms} {entry.kind:<16} {entry.actor:<12} {entry.hearing_id or '-'} {data}")
        return 0
    finally:
        file.close()


def add_journal_parser(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="journal_command", required=True)
    j = sub.add_parser("list", help="print every row")
    j.add_argument("source", type=Path, help="room config (its state_dir holds journal.sqlite) or a journal file")
    j = sub.add_parser(
        "verify", help="check the hash chain, the signed checkpoints and an anchor; exit 1 naming the first bad row"
    )
    j.add_argument("source", type=Path, help="room config (its state_dir holds journal.sqlite) or a journal file")
    _key_options(j)
    j.add_argument("--lang", help="zh or en for what it prints (default: from LANG)")
    j = sub.add_parser("export", help="the case-file record of one hearing's recording, verified first")
    j.add_argument("hearing", help="hearing id (as in hearing/state) or case number (its latest hearing)")
    j.add_argument("--format", choices=("md", "json", "html", "pdf"), default="md")
    j.add_argument("--lang", choices=("zh", "en"), default="zh", help="the record's language (default Chinese)")
    j.add_argument("--output", type=Path, help="write to this file (needed for pdf; default: standard output)")
    j.add_argument("--unverified", action="store_true", help="export even if the journal does not verify (says so)")
    j.add_argument(
        "--source",
        type=Path,
        default=Path("/etc/courtroom/room.yaml"),
        help="room config (its state_dir holds journal.sqlite) or a journal file (default /etc/courtroom/room.yaml)",
    )
    _key_options(j)


def _key_options(j: argparse.ArgumentParser) -> None:
    j.add_argument("--public-key", help="the room's public key, base64 (default: the key of the room config)")
    j.add_argument("--anchor", help="SEQ:HASH the central platform kept: the journal must still reach it")
    j.add_argument(
        "--anchor-from-broker", action="store_true", help="take the anchor from the retained $ctl/journal (config)"
    )
