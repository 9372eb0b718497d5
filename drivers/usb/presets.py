"""Camera presets kept by the controller: a UVC camera has none of its own.

One JSON file per camera, ``<folder>/<device id>.json``: ``{"<preset>": {"pan": .., "tilt": .., "zoom": ..}}``;
without a folder the presets live in memory only (lost at restart).
Reads and writes block: the camera calls them on its worker thread. A write goes to a temporary file first and
is renamed over the old one, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from drivers.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Position:
    pan: int | None
    tilt: int | None
    zoom: int | None


class PresetStore:
    """The stored presets of one camera."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.presets: dict[int, Position] = {}

    def load(self) -> dict[int, Position]:
        """Read the file (a missing file is no presets; an unreadable one is logged and ignored)."""
        if self.path is None:
            return self.presets
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.presets = {
                int(number): Position(
                    _opt_int(entry.get("pan")), _opt_int(entry.get("tilt")), _opt_int(entry.get("zoom"))
                )
                for number, entry in data.items()
            }
        except FileNotFoundError:
            self.presets = {}
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            log.warning("%s: presets not readable, starting without them: %s", self.path, exc)
            self.presets = {}
        return self.presets

    def store(self, preset: int, position: Position) -> None:
        self.presets[preset] = position
        self._save()

    def remove(self, preset: int) -> None:
        if self.presets.pop(preset, None) is not None:
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        data = {str(number): asdict(pos) for number, pos in sorted(self.presets.items())}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ConfigError(f"options.state_dir: cannot write presets to {self.path}: {exc.strerror}") from exc


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not an integer")
    return value
