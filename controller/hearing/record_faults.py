"""The faults table of the case-file record: the hearing ledger's alarms, the controller's gaps and failed
commands in plain words, each with its effect on the recording and whether it goes into the Art.4 statement (a
recorder that cannot be reached is "state unknown", with which other recorder was recording meanwhile; a clean
stop of the controller is the controller's gap, with what the recorders said when it came back). The drivers'
own words go into the appendix. ``record.py`` builds the record with it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from controller import texts
from controller.hearing.ledger import AlarmSpan, FaultRow, GapSpan, HearingLedger, UnknownSpan
from controller.hearing.record_text import Lang, action_text, device_name, duration_text, person, say, when_json
from controller.journal import Actor, Kind

LOST_PICTURE_OR_SOUND = frozenset({"recording_input_stalled", "frames_dropped"})
"""Warnings of the software recording whose stretch is missing pictures or sound in one of its streams."""


class RecordContext:
    """What one build needs at hand (the ledger, the language, the zone, the names, the appendix) and the faults
    table's lines it writes from the ledger's alarms, gaps and failed commands."""

    def __init__(self, ledger: HearingLedger, lang: Lang, zone: ZoneInfo, names: dict[str, str], end: int) -> None:
        self.ledger, self.lang, self.zone, self.names, self.end = ledger, lang, zone, names, end
        self.appendix: list[dict[str, Any]] = []

    def say(self, key: str, /, **fields: object) -> str:
        """The catalogue's ``record.<key>`` in the record's language."""
        return say(key, self.lang, **fields)

    def dev(self, device: str | None) -> str:
        return device_name(device, self.names, self.lang)

    def who(self, actor: Actor | None) -> str:
        return person(actor, self.lang, self.names)

    def raw(self, device: str | None, text: str | None) -> int | None:
        """Put a driver's own words into the appendix; returns their number."""
        if not text:
            return None
        self.appendix.append(
            {"n": len(self.appendix) + 1, "device": device, "device_name": self.dev(device), "raw": text}
        )
        return len(self.appendix)

    def item(
        self,
        kind: str,
        device: str | None,
        span: tuple[int, int | None],
        text: str,
        effect: str,
        *,
        severity: str,
        raw: int | None = None,
        affects: bool = False,
    ) -> dict[str, Any]:
        """One line of the faults table; ``affects``: it goes into the Art.4 statement."""
        from_ts, to_ts = span
        return {
            "kind": kind,
            "severity": severity,
            "device": device,
            "device_name": self.dev(device),
            "from": when_json(from_ts, self.zone),
            "to": when_json(to_ts, self.zone),
            "duration_ms": None if to_ts is None else to_ts - from_ts,
            "text": text,
            "effect": effect,
            "raw": raw,
            "affects_recording": affects,
        }

    def meanwhile(self, device: str | None, from_ts: int, to_ts: int | None) -> str:
        others = sorted(
            {self.dev(s.device) for s in self.ledger.recording_during(device or "", from_ts, to_ts or self.end)}
        )
        if others:
            return self.say("fault.others_recording", others=self.say("and").join(others))
        return self.say("fault.nobody_else")

    # -- faults -------------------------------------------------------------------------------------------
    def alarm(self, a: AlarmSpan) -> dict[str, Any]:
        d, span = self.dev(a.device), duration_text((a.to_ts or self.end) - a.from_ts)
        raw = self.raw(a.device, a.message)
        if a.kind == "not_recording":
            text = self.say("fault.software_stalled") if a.device is None else self.say("fault.not_recording", device=d)
            effect = self.say("fault.stopped_for", span=span) + self.meanwhile(a.device, a.from_ts, a.to_ts)
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=True
            )
        if a.kind == "recorder_unreachable":
            return self.unreachable(a, raw)
        if a.kind == "disk_low":
            text = self.say("fault.disk_low", device=d)
            effect = self.say("fault.recording_continued")
            return self.item(
                a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        if a.kind == "journal_unavailable":
            text = self.say("fault.journal_unavailable")
            effect = self.say("fault.journal_unavailable_effect")
            return self.item(
                a.kind, None, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=False
            )
        text = self._quiet_text(a, d)
        own = f"record.fault.effect.{a.kind}" in texts.CATALOGUE
        effect = self.say(f"fault.effect.{a.kind}" if own else "fault.no_effect")
        lost = a.kind in LOST_PICTURE_OR_SOUND  # part of a software recording is missing: the Art.4 statement says so
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity=a.severity, raw=raw, affects=lost
        )

    def _quiet_text(self, a: AlarmSpan, d: str) -> str:
        seat = a.id.rsplit(":", 1)[-1] if a.kind.startswith("audio_") else ""
        key = f"fault.quiet.{a.kind}"
        if f"record.{key}" not in texts.CATALOGUE:
            return self.say("fault.quiet.other", device=d, kind=a.kind)
        return self.say(key, device=d, seat=seat)

    def unreachable(self, a: AlarmSpan, raw: int | None) -> dict[str, Any]:
        d = self.dev(a.device)
        text = self.say("fault.unreachable", device=d)
        unseen = next(
            (
                u
                for u in self.ledger.unknowns
                if u.device == a.device
                and u.why == "unreachable"
                and u.from_ts <= (a.to_ts or self.end)
                and (u.to_ts or self.end) >= a.from_ts
            ),
            None,
        )
        outcome, affects = self.outcome(unseen, a.device)
        effect = outcome + self.say("semi") + self.meanwhile(a.device, a.from_ts, a.to_ts)
        return self.item(
            a.kind, a.device, (a.from_ts, a.to_ts), text, effect, severity="critical", raw=raw, affects=affects
        )

    def outcome(self, unseen: UnknownSpan | None, device: str | None) -> tuple[str, bool]:
        """What the recorder said when it was seen again, and whether the recording may have suffered."""
        d = self.dev(device)
        if unseen is None:
            return self.say("seen.not_before", device=d), False
        if unseen.outcome == "continued":
            proof = self.say("seen.same_clip" if unseen.proof == "clip" else "seen.timecode_ran")
            return self.say("seen.continued", device=d, proof=proof), False
        if unseen.outcome in ("stopped", "other_clip", "recording"):
            return self.say(f"seen.{unseen.outcome}", device=d), True
        return self.say("seen.never", device=d), True

    def gap(self, g: GapSpan) -> dict[str, Any]:
        text = self.say("gap.clean" if g.clean else "gap.killed")
        unseen = [u for u in self.ledger.unknowns if u.why == "controller" and u.from_ts == g.from_ts]
        parts, affects = [], False
        for u in unseen:
            said, bad = self.outcome(u, u.device)
            parts.append(said)
            affects = affects or bad
        if not parts:
            parts.append(self.say("gap.none_recording"))
        effect = self.say("gap.unwatched") + self.say("semi").join(parts)
        return self.item(
            "controller_gap",
            None,
            (g.from_ts, g.to_ts),
            text,
            effect,
            severity="critical" if affects else "warning",
            raw=None,
            affects=affects,
        )

    def fault(self, f: FaultRow) -> dict[str, Any]:
        d, act = self.dev(f.device), action_text(f.action, self.lang)
        raw = self.raw(f.device, f.error)
        if f.kind == Kind.RECOVERY_ATTEMPT:
            if f.ok:
                text = self.say("fault.restarted", device=d)
                return self.item(
                    f.kind,
                    f.device,
                    (f.ts, None),
                    text,
                    self.say("fault.restored"),
                    severity="info",
                    raw=raw,
                    affects=False,
                )
            text = self.say("fault.restart_failed", device=d)
            return self.item(
                f.kind,
                f.device,
                (f.ts, None),
                text,
                self.say("fault.not_restored"),
                severity="critical",
                raw=raw,
                affects=True,
            )
        text = self.say("fault.command_failed", device=d, action=act)
        recording = f.action == "record"
        effect = self.say("fault.did_not_start" if recording else "fault.no_effect")
        return self.item(
            f.kind,
            f.device,
            (f.ts, None),
            text,
            effect,
            severity="critical" if recording else "warning",
            raw=raw,
            affects=recording,
        )
