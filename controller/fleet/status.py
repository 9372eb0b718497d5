"""`courtroom fleet status`: a line per room for a terminal."""

from __future__ import annotations

import time
from typing import Any

LEVEL_WORDS = {"ok": "ok", "warning": "WARN", "error": "ALARM", "stale": "SILENT"}


def format_status(rooms: list[dict[str, Any]], now_s: float) -> str:
    if not rooms:
        return "no room has reported on the central broker"
    lines = [f"{'room':<16} {'level':<7} {'hearing':<12} {'recording':<14} {'offline':<8} {'alarms':<6} last seen"]
    for r in rooms:
        seen = r["last_seen_ms"] / 1000
        ago = max(0.0, now_s - seen)
        when = time.strftime("%H:%M:%S", time.localtime(seen)) if seen else "never"
        lines.append(
            f"{r['room_id']:<16} {LEVEL_WORDS[r['level']]:<7} {r['hearing']:<12} {r['recording']:<14} "
            f"{len(r['offline_devices']):<8} {len(r['alarms']):<6} {when} ({ago:.0f} s ago)"
        )
        for alarm in r["alarms"]:
            lines.append(f"{'':<16} {alarm['severity']}: {alarm['message']}")
        link = link_line(r.get("link", {}))
        if link:
            lines.append(f"{'':<16} {link}")
    stale = sum(r["level"] == "stale" for r in rooms)
    lines.append(f"{len(rooms)} rooms, {stale} not reporting")
    return "\n".join(lines)


def link_line(link: dict[str, Any]) -> str:
    """The room's WAN link, when there is something to say: down since when, or how long the last outage was."""
    late = f"; {link['late_events']} late events" if link.get("late_events") else ""
    if link.get("state") == "down" and "down_since_ms" in link:
        since = time.strftime("%H:%M:%S", time.localtime(link["down_since_ms"] / 1000))
        return f"WAN link down since {since} ({link['down_s']} s){late}"
    outage = link.get("last_outage")
    if outage:
        until = time.strftime("%H:%M:%S", time.localtime(outage["to_ms"] / 1000))
        return f"WAN link was down {outage['s']} s, until {until}{late}"
    return ""
