"""Where a room's software recordings are: each software recorder's store and backup, read from the room config."""

from __future__ import annotations

from pathlib import Path

from controller.config import RoomConfig


def recording_stores(config: RoomConfig) -> dict[str, tuple[Path, Path | None]]:
    """Recorder id -> (store, backup or None) for every device on a ``dir:`` port."""
    out: dict[str, tuple[Path, Path | None]] = {}
    for dev in config.devices:
        port = dev.transport.port
        if dev.kind == "recorder" and port.startswith("dir:"):
            store = Path(port[4:])
            backup = dev.options.get("backup")
            out[dev.id] = (store, None if backup is None else store.parent / str(backup))
    return out
