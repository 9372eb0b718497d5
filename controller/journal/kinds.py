"""What a journal row can be, and who made it: the typed vocabulary every reader of the journal shares.

``Kind`` names every row the daemon writes; the hearing's ledger, restore and the case-file export match on
these members, never on bare strings. ``Actor`` says who asked for an operation: an id for the journal's
``actor`` column and, where known, a person's name and role (the console user, the platform's MQTT account) for
the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """Every kind of journal row."""

    # the daemon
    DAEMON_STARTED = "daemon_started"
    CONTROLLER_STOPPING = "controller_stopping"  # a clean stop (SIGTERM) with the recorders' last known state
    DAEMON_STOPPED = "daemon_stopped"
    CONTROLLER_GAP = "controller_gap"  # written at restart: the controller was not running from .. to
    CHECKPOINT = "checkpoint"  # the journal's head (seq, hash) signed with the room's key
    JOURNAL_UNAVAILABLE = "journal_unavailable"  # written from the reserve: the journal cannot write
    JOURNAL_AVAILABLE = "journal_available"  # it can again
    JOURNAL_SPACE_LOW = "journal_space_low"  # state_dir headroom below journal.low_space_mb
    JOURNAL_SPACE_OK = "journal_space_ok"
    # devices
    DEVICE_ONLINE = "device_online"
    DEVICE_OFFLINE = "device_offline"
    DEVICE_COMMAND = "device_command"  # on disk before the command goes to the device
    DEVICE_COMMAND_OUTCOME = "device_command_outcome"  # how it ended (ok or the error)
    DEVICE_COMMAND_REFUSED = "device_command_refused"  # refused before anything was sent (bad input, offline, rule)
    RECORDER_REPORTED = "recorder_reported"  # a hearing recorder's transport, clip or reachability changed
    RECORDING_SEGMENT = "recording_segment"  # a software recording's sealed segment, its hash in the chain
    RECORDING_BACKUP = "recording_backup"  # its copy in the backup store, verified by hash (or why not)
    # the hearing
    HEARING_CHECK = "hearing_check"
    HEARING_OPEN_REFUSED = "hearing_open_refused"
    CHECK_OVERRIDE = "check_override"
    HEARING_OPENED = "hearing_opened"
    HEARING_INTERRUPTED = "hearing_interrupted"
    HEARING_RESUMED = "hearing_resumed"
    HEARING_CLOSED = "hearing_closed"
    HEARING_REFUSED = "hearing_refused"  # an operation refused by a rule of the hearing (e.g. a fault with no alarm)
    MARK = "mark"
    VOICE_FOLLOW = "voice_follow"
    SHOT = "shot"
    SHOT_FAILED = "shot_failed"
    ALARM_BUTTON = "alarm_button"
    ALARM_RAISED = "alarm_raised"
    ALARM_CLEARED = "alarm_cleared"
    ALARM_ACKNOWLEDGED = "alarm_acknowledged"  # a clerk silenced a sounding alarm on the console (it stays raised)
    RECOVERY_ATTEMPT = "recovery_attempt"
    MACRO_STEP_FAILED = "macro_step_failed"
    # the live stream (controller/streaming)
    STREAM_STARTED = "stream_started"  # on the air (or back on the air after a cut), by whom
    STREAM_CUT = "stream_cut"  # the slate on the air, by whom and why
    STREAM_STOPPED = "stream_stopped"  # off the air: by whom, or the transition or failure that stopped it
    STREAM_REFUSED = "stream_refused"  # a start refused by the rules, and which rule
    STREAM_PROTECT = "stream_protect"  # a seat protected (pixelated on the air) or no longer
    # the console
    CONSOLE_LOGIN = "console_login"
    CONSOLE_LOGIN_FAILED = "console_login_failed"
    CONSOLE_LOGOUT = "console_logout"


TRANSITIONS = frozenset({Kind.HEARING_OPENED, Kind.HEARING_INTERRUPTED, Kind.HEARING_RESUMED, Kind.HEARING_CLOSED})
"""Rows after which the journal's head is signed at once."""


def parse_kind(text: str) -> Kind | str:
    """The member for a stored kind; a kind this version does not know stays text (a newer writer's row)."""
    try:
        return Kind(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Actor:
    """Who asked: ``id`` for the journal (``console:wang``, ``mqtt:platform``, ``watchdog``), the person's
    ``name`` and ``role`` where known, whether the id was ``verified`` (an MQTT command on the bare topic is
    not), and ``on_behalf``: the person the sender names in its payload (the platform's user)."""

    id: str
    name: str = ""
    role: str = ""
    verified: bool = True
    on_behalf: str = ""

    @classmethod
    def of(cls, actor: Actor | str) -> Actor:
        return actor if isinstance(actor, Actor) else cls(actor)

    def as_data(self) -> dict[str, Any] | None:
        """What the journal keeps beside the id (None when there is nothing more to say)."""
        extra = {"name": self.name, "role": self.role, "on_behalf": self.on_behalf}
        data: dict[str, Any] = {k: v for k, v in extra.items() if v}
        if not self.verified:
            data["verified"] = False
        return data or None

    @classmethod
    def from_row(cls, actor_id: str, data: dict[str, Any]) -> Actor:
        """The actor of a journal row: its ``actor`` column and the ``by`` object of its data."""
        by = data.get("by")
        if not isinstance(by, dict):
            return cls(actor_id)
        return cls(
            actor_id,
            name=str(by.get("name", "")),
            role=str(by.get("role", "")),
            verified=by.get("verified", True) is not False,
            on_behalf=str(by.get("on_behalf", "")),
        )
