"""The MQTT session counter: grows on every connection the broker accepts (not on failed attempts) and survives
restarts (kept in the state folder)."""

from __future__ import annotations

import os
from pathlib import Path

from drivers.errors import ConfigError


class SessionCounter:
    """A counter persisted to ``<state_dir>/mqtt-session`` with an atomic rename."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "mqtt-session"
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            self.value = int(self.path.read_text()) if self.path.exists() else 0
        except (OSError, ValueError) as exc:
            raise ConfigError(f"state_dir: cannot use {state_dir}: {exc}") from exc

    def next(self) -> int:
        self.value += 1
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(self.value))
        os.replace(tmp, self.path)
        return self.value
