"""The recording rule (2017 rules, Art.2-3): once a hearing is open, its recording stops only for a recess,
non-public evidence or mediation, declared as a hearing interruption, or at the close.

``recording_rule()`` is the room's command policy while a hearing runs: a recorder ``stop`` (or anything
else that ends a recording: ``pause``, ``play``, ``eject`` ...) from any client is refused with
``RECORDING_RULE`` while the hearing expects recording, unless it is a step of the hearing's own transition or
a technician's override with a written reason (journaled with the command). ``fault_evidence()`` is what a
``fault`` interruption needs: an active recording alarm, or a technician (or the controller itself, judging
the recorders after a restart).
"""

from __future__ import annotations

from controller.hearing.ledger import RECORDING_ALARMS, HearingLedger
from controller.journal import Actor
from controller.model import Alarm
from controller.room import CommandRequest
from drivers.errors import CourtroomError

ENDS_RECORDING = frozenset({"stop", "pause", "play", "eject", "standby", "shuttle", "jog", "rewind", "forward"})
"""Recorder actions that end a recording in progress."""
HEARING_CAUSE = "hearing:"
OVERRIDE_ROLE = "technician"
SYSTEM_ACTORS = frozenset({"system"})


class RecordingRule(CourtroomError):
    """Refused by the recording rule: a recording in a hearing stops only through the hearing's transitions."""

    code = "RECORDING_RULE"


def recording_rule(ledger: HearingLedger, recorders: list[str], request: CommandRequest) -> None:
    """Raise RecordingRule for a command that would end a hearing's recording outside its transitions."""
    if request.device_id not in recorders or request.action not in ENDS_RECORDING:
        return
    if not ledger.expect_recording:
        return
    if request.cause is not None and request.cause.startswith(HEARING_CAUSE):
        return
    what = f"{request.action} on {request.device_id}"
    phase = "in session" if ledger.phase == "in_session" else "interrupted for a fault (still recording)"
    if request.override_reason is not None:
        actor = request.actor
        if actor.role == OVERRIDE_ROLE and actor.verified:
            return
        raise RecordingRule(
            f"{what}: an override of the recording rule is the technician's (with a written reason); "
            f"{actor.id} is {'not verified' if not actor.verified else (actor.role or 'no technician')}"
        )
    raise RecordingRule(
        f"{what} refused: while the hearing is {phase} its recording stops only through a hearing interruption "
        f"(hearing/cmd/interrupt with reason recess, non_public_evidence or mediation) or the close; a technician "
        f"may override with override_reason"
    )


def fault_evidence(alarms: list[Alarm], actor: Actor) -> list[str]:
    """The active recording alarms that justify a ``fault`` interruption; RecordingRule when there is none and
    the actor is neither a technician nor the controller itself."""
    evidence = [alarm.id for alarm in alarms if alarm.kind in RECORDING_ALARMS]
    if evidence or (actor.role == OVERRIDE_ROLE and actor.verified) or actor.id in SYSTEM_ACTORS:
        return evidence
    raise RecordingRule(
        "a fault interruption needs an active recording alarm (not_recording, recorder_unreachable, disk_low) "
        "or a technician; there is none: interrupt for another reason, or ask the technician"
    )
