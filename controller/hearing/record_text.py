"""How the case-file record reads, in Chinese (the default) and English: times, durations, people, devices.

Times carry the date and the room's time zone; durations read h:mm:ss. People are named as the journal kept
them: the console user's display name and role, the platform's MQTT account, or the part of the controller
that acted. Device names come from the room config (its Chinese or English half, as the language asks). The
words themselves are the catalogue's (``record.`` keys in controller/texts_record.py), read with ``say()``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from controller import texts
from controller.journal import Actor

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
CATALOGUE_LANG: dict[Lang, texts.Lang] = {"zh": "zh-CN", "en": "en"}  # the export's --lang -> the catalogue's

_CJK = re.compile(r"[\u3400-\u9fff]")


def split_name(name: str) -> tuple[str, str]:
    """A config name such as ``庭审录像主机 Recording host`` as (Chinese, English); one language: both."""
    words = name.split()
    cut = next((i for i, w in enumerate(words) if i and not _CJK.search(w) and _CJK.search(words[i - 1])), None)
    if cut is None:
        return name, name
    return " ".join(words[:cut]), " ".join(words[cut:])


def local(ts: int | None, zone: ZoneInfo) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts / 1000, zone)


def when_text(ts: int | None, zone: ZoneInfo) -> str:
    """``2026-12-03 21:16:02`` in the room's zone (the record states the zone once, at the top)."""
    moment = local(ts, zone)
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def when_json(ts: int | None, zone: ZoneInfo) -> dict[str, Any] | None:
    """A time for the JSON record: epoch milliseconds and the local ISO time with milliseconds and offset."""
    moment = local(ts, zone)
    if moment is None or ts is None:
        return None
    return {"ts": ts, "at": moment.isoformat(timespec="milliseconds")}


def duration_text(ms: int | None) -> str:
    """``1:02:03``; an unknown duration is ``—``."""
    if ms is None:
        return "—"
    seconds = max(0, round(ms / 1000))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def say(key: str, lang: Lang, /, **fields: object) -> str:
    """The catalogue's ``record.<key>`` in the record's language, its fields filled."""
    return texts.text(f"record.{key}", CATALOGUE_LANG[lang], **fields)


def zone_text(zone: ZoneInfo, ts: int, lang: Lang) -> str:
    moment = datetime.fromtimestamp(ts / 1000, zone)
    offset = moment.strftime("%z")
    return say("zone", lang, zone=zone.key, utc=f"UTC{offset[:3]}:{offset[3:]}")


SYSTEM_ACTORS = ("system", "hearing", "watchdog", "voice-follow")  # the controller's parts: record.system.<id>


def person(actor: Actor | None, lang: Lang, names: dict[str, str]) -> str:
    """Who acted, as the record names them."""
    if actor is None:
        return "—"
    if actor.id in SYSTEM_ACTORS:
        return say(f"system.{actor.id}", lang)
    if actor.id.startswith("button:"):
        return say("actor.button", lang, device=device_name(actor.id.split(":", 1)[1], names, lang))
    role = ""
    if actor.role:
        role = say(f"role.{actor.role}", lang) if f"record.role.{actor.role}" in texts.CATALOGUE else actor.role
    behalf = ""
    if actor.on_behalf:
        behalf = say("actor.for" if actor.verified else "actor.claims", lang, who=actor.on_behalf)
    if actor.id.startswith("console:"):
        who = actor.name or actor.id.split(":", 1)[1]
        return say("actor.details", lang, who=who, details=f"{role or say('actor.console', lang)}{behalf}")
    if actor.id.startswith("mqtt:"):
        account_text = say("actor.account", lang, account=actor.id.split(":", 1)[1])
        details = [p for p in (role, account_text if actor.name else "") if p]
        inner = say("list", lang).join(details) + (behalf if details else behalf.lstrip("，, "))
        head = actor.name or account_text
        if not inner:
            return head
        return say("actor.details", lang, who=head, details=inner)
    if actor.id == "mqtt":
        return say("actor.mqtt", lang, behalf=behalf)
    return actor.name or actor.id


def device_name(device: str | None, names: dict[str, str], lang: Lang) -> str:
    if device is None:
        return say("system.system", lang)
    name = names.get(device)
    if not name:
        return device
    zh, en = split_name(name)
    return zh if lang == "zh" else en


def action_text(action: str | None, lang: Lang) -> str:
    if action is None:
        return "—"
    return say(f"action.{action}", lang) if f"record.action.{action}" in texts.CATALOGUE else action


def transport_text(transport: object, lang: Lang) -> str:
    """A recorder's transport (``stopped``, ``play`` ...) in words: the console's ``transport.*``."""
    key = f"transport.{transport}"
    return texts.text(key, CATALOGUE_LANG[lang]) if key in texts.CATALOGUE else str(transport)


def label(key: str, lang: Lang) -> str:
    return say(key, lang)


def ended_text(ended: str | None, lang: Lang) -> str:
    if ended is None:
        return say("still_recording", lang)
    return say(f"ended.{ended}", lang) if f"record.ended.{ended}" in texts.CATALOGUE else ended
