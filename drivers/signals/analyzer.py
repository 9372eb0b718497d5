"""A multi-channel input split into seats: per-seat detectors, the meter, the state and the alarms (pure).

``SeatAnalyzer.feed(levels)`` takes one block's ``Levels`` and says what happened: the meter to publish,
speech transitions (by channel number) and whether the state's flags or alarms changed. The silence alarm is
armed only while a hearing is open (``armed``); ``silent_s`` is reported once it reaches ``silence_alarm_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drivers.signals.vad import Levels, SeatDetector, VadSettings


@dataclass
class Outcome:
    """What one block changed."""

    meter: dict[str, Any]
    speech: list[tuple[int, bool]] = field(default_factory=list)  # (channel, speaking now)
    state_changed: bool = False


class SeatAnalyzer:
    """Seats by channel number (1-based) with their detectors and last levels."""

    def __init__(self, seats: dict[int, str], block_s: float, settings: VadSettings, silence_alarm_s: float) -> None:
        self.seats = dict(sorted(seats.items()))
        self.block_s = block_s
        self.silence_alarm_s = silence_alarm_s
        self.armed = False
        self.detectors = {channel: SeatDetector(settings) for channel in self.seats}
        self.rms: dict[int, float | None] = dict.fromkeys(self.seats)
        self.peak: dict[int, float | None] = dict.fromkeys(self.seats)
        self.media_s = 0.0
        self._alarms: list[str] = []

    def feed(self, levels: Levels) -> Outcome:
        """Advance every seat by one block of ``levels`` (indexed by channel - 1)."""
        self.media_s += self.block_s
        outcome = Outcome(meter={"seats": {}})
        for channel, name in self.seats.items():
            index = channel - 1
            rms, peak = levels.rms_dbfs[index], levels.peak_dbfs[index]
            self.rms[channel], self.peak[channel] = rms, peak
            detector = self.detectors[channel]
            was_speaking = detector.speaking
            if detector.update(rms, levels.clipped[index], self.block_s):
                outcome.state_changed = True
            if detector.speaking != was_speaking:
                outcome.speech.append((channel, detector.speaking))
            outcome.meter["seats"][name] = {
                "channel": channel,
                "rms_dbfs": rms,
                "peak_dbfs": peak,
                "speaking": detector.speaking,
            }
        alarms = self.alarms()
        if alarms != self._alarms:
            self._alarms = alarms
            outcome.state_changed = True
        return outcome

    def arm(self, armed: bool) -> bool:
        """Arm or disarm the silence alarm; True when the alarms changed."""
        self.armed = armed
        alarms = self.alarms()
        changed = alarms != self._alarms
        self._alarms = alarms
        return changed

    def reported_silence(self, channel: int) -> float:
        """How long the seat has been silent, once that reaches the alarm time; 0.0 before."""
        silent = self.detectors[channel].silent_s
        return round(silent, 1) if silent >= self.silence_alarm_s - 1e-9 else 0.0

    def alarms(self) -> list[str]:
        """``silent:<seat>`` (armed only) and ``clipping:<seat>``, sorted."""
        found = []
        for channel, name in self.seats.items():
            if self.armed and self.reported_silence(channel) > 0:
                found.append(f"silent:{name}")
            if self.detectors[channel].clipping:
                found.append(f"clipping:{name}")
        return sorted(found)

    def state(self) -> dict[str, Any]:
        """The ``AudioInputState`` fields (without ``ts``)."""
        seats = {
            name: {
                "channel": channel,
                "rms_dbfs": self.rms[channel],
                "peak_dbfs": self.peak[channel],
                "speaking": self.detectors[channel].speaking,
                "clipping": self.detectors[channel].clipping,
                "silent_s": self.reported_silence(channel),
            }
            for channel, name in self.seats.items()
        }
        return {"seats": seats, "alarms": self.alarms()}
