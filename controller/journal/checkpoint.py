"""Signed checkpoints of the journal's head, and the verification that uses them.

A hash chain alone catches a row changed in place, not a chain rebuilt after a change, nor rows cut off the
end. So the daemon signs the head, (seq, hash), with the room's Ed25519 key (``controller/signing.py``) at every
hearing transition and at least every ``interval_s`` while rows come in, writes the checkpoint into the
journal, and publishes it retained on ``$ctl/journal``. A rebuilt chain no longer matches the signed hashes; a
journal cut short no longer reaches the anchor (seq, hash) the central platform kept from MQTT.
``verify_journal()`` checks all three and names the first bad row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controller import texts
from controller.journal.kinds import TRANSITIONS, Kind
from controller.journal.rows import Entry, JournalError
from controller.journal.store import GENESIS, JournalFile, row_hash
from controller.journal.writer import Journal
from controller.signing import RoomKey, fingerprint, verify_signature
from controller.texts import Lang

FORMAT = "courtroom-journal-checkpoint/1"
INTERVAL_S = 60.0

log = logging.getLogger(__name__)


def checkpoint_message(room_id: str, seq: int, digest: str, signed_ts: int) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return json.dumps([FORMAT, room_id, seq, digest, signed_ts], separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """A signed head: rows 1..``seq`` end in ``hash``; ``checkpoint_seq`` is the row that holds it."""

    room_id: str
    seq: int
    hash: str
    signed_ts: int
    key: str  # the signing key's fingerprint
    signature: str
    checkpoint_seq: int | None = None

    def data(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "signed_ts": self.signed_ts,
            "key": self.key,
            "signature": self.signature,
        }

    def message(self) -> bytes:
        return checkpoint_message(self.room_id, self.seq, self.hash, self.signed_ts)

    @classmethod
    def from_data(cls, room_id: str, data: dict[str, Any], checkpoint_seq: int | None) -> Checkpoint:
        try:
            return cls(
                room_id,
                int(data["seq"]),
                str(data["hash"]),
                int(data["signed_ts"]),
                str(data["key"]),
                str(data["signature"]),
                checkpoint_seq,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise JournalError(f"checkpoint row {checkpoint_seq}: malformed ({exc})") from None

    @classmethod
    def from_entry(cls, entry: Entry) -> Checkpoint:
        return cls.from_data(entry.room_id, entry.data, entry.seq)


def sign(key: RoomKey, room_id: str, head: Entry, signed_ts: int) -> Checkpoint:
    """The room's signature over ``head``."""
    message = checkpoint_message(room_id, head.seq, head.hash, signed_ts)
    return Checkpoint(room_id, head.seq, head.hash, signed_ts, key.fingerprint, key.sign(message))


class Checkpointer:
    """Signs the journal's head after every hearing transition and every ``interval_s`` while rows come in (a
    tick with nothing new since the last checkpoint writes nothing); ``listeners`` hear each checkpoint once it
    is on disk (the MQTT bridge publishes it)."""

    def __init__(self, journal: Journal, key: RoomKey, interval_s: float = INTERVAL_S) -> None:
        self.journal = journal
        self.key = key
        self.interval_s = interval_s
        self.latest: Checkpoint | None = None
        self.listeners: list[Callable[[Checkpoint], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._asked_for = 0  # the head seq of the last checkpoint asked for, not yet written
        journal.written.append(self._rows)

    async def start(self) -> None:
        """Read the newest checkpoint on disk (to publish it again), then sign on the interval."""
        last = await self.journal.last(Kind.CHECKPOINT)
        if last is not None:
            with contextlib.suppress(JournalError):
                self.latest = Checkpoint.from_entry(last)
        self._task = asyncio.create_task(self._run(), name="journal-checkpoints")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        with contextlib.suppress(ValueError):
            self.journal.written.remove(self._rows)

    def _rows(self, entries: list[Entry]) -> None:
        for entry in entries:
            if entry.kind == Kind.CHECKPOINT:
                try:
                    self.latest = Checkpoint.from_entry(entry)
                except JournalError as exc:
                    log.error("%s", exc)
                    continue
                for listener in list(self.listeners):
                    listener(self.latest)
        if any(entry.kind in TRANSITIONS for entry in entries):
            self.sign_soon()

    def _unsigned(self) -> Entry | None:
        """The head, unless a checkpoint already covers it (or one is asked for): nothing new, nothing signed.
        A checkpoint row covers the head only when it is the head and signs the row just before it; one that
        signs an older row (a transition or other rows landed between the signing and the checkpoint's row,
        written in the same batch) leaves those rows to be signed, the checkpoint row with them."""
        head = self.journal.head
        if head is None or head.seq <= self._asked_for:
            return None
        if head.kind == Kind.CHECKPOINT and head.data.get("seq") == head.seq - 1:
            return None
        return head

    def sign_soon(self) -> None:
        """Sign the head now, the row written with the next transaction."""
        head = self._unsigned()
        if head is None or not self.journal.available:
            return
        self._asked_for = head.seq
        checkpoint = sign(self.key, self.journal.room_id, head, int(time.time() * 1000))
        self.journal.record(Kind.CHECKPOINT, checkpoint.data())

    async def sign_now(self) -> Checkpoint | None:
        """Sign the head and wait until the checkpoint is on disk (start and clean stop)."""
        head = self._unsigned()
        if head is None:
            return self.latest
        self._asked_for = head.seq
        checkpoint = sign(self.key, self.journal.room_id, head, int(time.time() * 1000))
        entry = await self.journal.append(Kind.CHECKPOINT, checkpoint.data())
        return Checkpoint.from_entry(entry)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self.sign_soon()


# -- verification -------------------------------------------------------------------------------------------
@dataclass
class Verification:
    """What ``verify_journal`` found: rows checked, the first bad row and why, checkpoints and the anchor."""

    path: str
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    bad_seq: int | None = None
    problem: str = ""  # why the first bad row is bad, in English (the record keeps it); ``reason`` names it
    reason: str = ""  # the catalogue's verify.problem.<reason>, with ``facts`` for its fields
    facts: dict[str, object] = field(default_factory=dict)
    checkpoints: int = 0
    last_checkpoint: Checkpoint | None = None
    key: str | None = None  # fingerprint of the public key the signatures were checked with
    anchor: tuple[int, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.bad_seq is None and not self.problem

    def problem_text(self, lang: Lang = "en") -> str:
        """Why the first bad row is bad, in ``lang``."""
        if not self.reason:
            return self.problem
        return texts.text(f"verify.problem.{self.reason}", lang, **self.facts)

    def summary(self, lang: Lang = "en") -> str:
        """One line: the rows, the chain, the checkpoints and the anchor; or the first bad row and why."""
        if not self.ok:
            if self.bad_seq is None:
                return texts.text("verify.bad", lang, path=self.path, problem=self.problem_text(lang))
            return texts.text("verify.bad_row", lang, path=self.path, seq=self.bad_seq, problem=self.problem_text(lang))
        parts = [texts.text("verify.intact", lang, path=self.path, rows=self.rows)]
        parts.append(texts.text("verify.checkpoints", lang, checkpoints=self.checkpoints, fingerprint=self.key))
        if self.anchor is not None:
            parts.append(texts.text("verify.anchor", lang, seq=self.anchor[0], hash=self.anchor[1][:16]))
        return texts.text("verify.join", lang).join(parts)


def _fail(report: Verification, seq: int | None, reason: str, /, **facts: object) -> Verification:
    report.bad_seq, report.reason, report.facts = seq, reason, facts
    report.problem = texts.text(f"verify.problem.{reason}", "en", **facts)
    return report


def verify_journal(file: JournalFile, public: Ed25519PublicKey, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the whole journal: the chain, every checkpoint's signature and signed hash, and the anchor."""
    report = Verification(str(file.path), key=fingerprint(public), anchor=anchor)
    recent: deque[tuple[int, str]] = deque(maxlen=4096)
    prev = GENESIS
    matched = 0  # the newest row a valid checkpoint still vouches for
    for seq, fields, prev_hash, digest in file.raw_rows():
        if prev_hash != prev:
            return _fail(report, seq, "removed")
        if row_hash(prev_hash, fields) != digest:
            return _fail(report, seq, "altered")
        if fields[3] == Kind.CHECKPOINT:
            problem = _check_checkpoint(file, public, fields, seq, recent)
            if isinstance(problem, int):  # the row it signed no longer has the signed hash
                return _fail(
                    report, matched + 1, "rechained", checkpoint=seq, signed=problem, matched=matched, first=matched + 1
                )
            if problem is not None:
                return _fail(report, seq, problem[0], **problem[1])
            report.checkpoints += 1
            report.last_checkpoint = Checkpoint.from_data(fields[1], json.loads(fields[5]), seq)
            matched = report.last_checkpoint.seq
        if anchor is not None and seq == anchor[0] and digest != anchor[1]:
            return _fail(report, seq, "anchor_mismatch", seq=anchor[0], hash=anchor[1])
        recent.append((seq, digest))
        prev = digest
        report.rows += 1
        report.head_seq, report.head_hash = seq, digest
    if anchor is not None and report.head_seq < anchor[0]:
        head = report.head_seq
        return _fail(report, head + 1, "cut_off", head=head, seq=anchor[0], first=head + 1)
    return report


def _check_checkpoint(
    file: JournalFile, public: Ed25519PublicKey, fields: tuple[Any, ...], seq: int, recent: deque[tuple[int, str]]
) -> int | tuple[str, dict[str, object]] | None:
    """None when the checkpoint row at ``seq`` is sound; what is wrong with it (a reason and its facts); or (an
    int) the row it signed when that row's hash is no longer the signed one."""
    try:
        checkpoint = Checkpoint.from_data(fields[1], json.loads(fields[5]), seq)
    except (JournalError, ValueError) as exc:
        return "unreadable_checkpoint", {"error": exc}
    if checkpoint.key != fingerprint(public):
        return "wrong_key", {"signer": checkpoint.key, "room_key": fingerprint(public)}
    if not verify_signature(public, checkpoint.message(), checkpoint.signature):
        return "forged", {}
    signed = next((h for s, h in reversed(recent) if s == checkpoint.seq), None)
    if signed is None:
        row = file.at(checkpoint.seq)
        signed = row.hash if row is not None else None
    if signed != checkpoint.hash:
        return checkpoint.seq
    return None
