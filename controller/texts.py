"""The words people read, Chinese and English, in one catalogue: the console page, ``courtroom ctl`` and the demo.

``CATALOGUE`` maps a key to its (zh-CN, en) text with ``{name}`` fields; ``text(key, lang, **fields)`` fills one.
Device problems, alarms, check lines and error codes get a plain-language text here; the raw technical line
stays beside it for the technician. ``explain()`` turns a raw problem line into its plain text with the patterns
of ``PROBLEM_PATTERNS`` (the console page uses the same patterns, served as ``/static/texts.js``).

The words themselves live beside it, a module per reader: texts_console.py (the page, ``courtroom ctl``, the live
stream's reasons, device actions), texts_demo.py (the tour), texts_journal.py (journal rows by kind, ``journal
verify``) and texts_record.py (the case-file record); this module joins them and holds what reads them.
"""

from __future__ import annotations

import json
import os
import re
from typing import Literal

from controller.texts_console import ACTIONS, CONSOLE, STREAM
from controller.texts_demo import DEMO
from controller.texts_journal import KIND_TEXTS, VERIFY
from controller.texts_record import RECORD
from drivers.errors import InvalidArgument

Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    **CONSOLE,
    **DEMO,
    **STREAM,
    **ACTIONS,
    **{f"journal.{kind}": pair for kind, pair in KIND_TEXTS.items()},
    **VERIFY,
    **RECORD,
}

# What the hearing journals as the text of a mark made by a mark button (a foot switch): the same in every
# language, shown to each reader in theirs by mark_text() (and markText() on the page).
BUTTON_MARK = "标记 (foot switch)"
CATALOGUE["mark.button"] = ("脚踏开关标记", "Foot-switch mark")

# A raw problem line (a device's offline reason, a check line, an alarm's message) -> its catalogue key. The
# first pattern that matches (case-insensitive) wins; named groups fill the text's fields.
PROBLEM_PATTERNS: list[tuple[str, str]] = [
    (r"not connected yet", "problem.connecting"),
    (r"controller stopped", "problem.stopped"),
    (r"no seat configured|no camera configured|has no recorder", "problem.not_configured"),
    (r"disk nearly full: (?P<minutes>\d+) min", "problem.disk_low"),
    (r"disk full", "problem.disk_full"),
    (r"no disk", "problem.no_disk"),
    (r"remote control disabled|local mode", "problem.remote_disabled"),
    (r"transport is (?P<transport>\w+)", "problem.transport"),
    (r"no answer|no reply|timed out|timeout|no connection within", "problem.no_answer"),
    (r"garbage|cannot be decoded|decode|malformed", "problem.garbled"),
    (r"busy|another client", "problem.busy"),
    (r"nak|refused the command|rejected", "problem.refused"),
    (r"standby", "problem.standby"),
    (r"no state yet", "problem.no_state"),
    (r"^\w+: (warning|error)$", "problem.display_part"),
    (
        r"cannot connect|cannot open|link lost|link closed|not connected|unplugged|not on the usb bus|refused"
        r"|connection|not open|gone|access denied|errno|no such file|offline",
        "problem.no_link",
    ),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), key) for pattern, key in PROBLEM_PATTERNS]

# What the clerk can do about a check line's problem.
TODO_BY_PROBLEM: dict[str, str] = {
    "problem.no_disk": "check.todo.no_disk",
    "problem.disk_low": "check.todo.disk_low",
    "problem.disk_full": "check.todo.disk_low",
    "problem.remote_disabled": "check.todo.remote",
    "problem.not_configured": "check.todo.config",
    "problem.no_answer": "check.todo.offline",
    "problem.no_link": "check.todo.offline",
    "problem.connecting": "check.todo.offline",
}


def text(key: str, lang: Lang, /, **fields: object) -> str:
    """The catalogue's text for ``key`` in ``lang`` with its ``{fields}`` filled (a missing field shows as —)."""
    pair = CATALOGUE.get(key)
    if pair is None:
        raise KeyError(f"no text '{key}' in the catalogue")
    template = pair[0] if lang == "zh-CN" else pair[1]
    return re.sub(r"\{(\w+)\}", lambda m: str(fields.get(m.group(1), "—")), template)


def classify(raw: str | None) -> tuple[str, dict[str, str]]:
    """The catalogue key of a raw problem line and the fields its pattern found."""
    for pattern, key in _COMPILED:
        found = pattern.search(raw or "")
        if found:
            return key, {k: v for k, v in found.groupdict().items() if v is not None}
    return "problem.unknown", {}


def explain(raw: str | None, lang: Lang, device: str = "") -> str:
    """A raw problem line in plain words, naming ``device``."""
    key, fields = classify(raw)
    if "transport" in fields:
        tkey = f"transport.{fields['transport']}"
        fields["transport"] = text(tkey, lang) if tkey in CATALOGUE else fields["transport"]
    return text(key, lang, device=device, **fields).strip("：: ")


def stream_reason(key: str, fields: dict[str, object], lang: Lang) -> str:
    """A live-stream reason in words: a field naming a catalogue key (or a list of them) is said in ``lang``."""

    def say(value: object) -> str:
        if isinstance(value, list):
            return text("stream.or", lang).join(say(v) for v in value)
        return text(value, lang) if isinstance(value, str) and value in CATALOGUE else str(value)

    return text(key, lang, **{name: say(value) for name, value in fields.items()})


def mark_text(mark: str, actor: str | None, lang: Lang) -> str:
    """A mark's text for a reader: a mark button's (``BUTTON_MARK``) in the catalogue's words, others as typed."""
    if mark == BUTTON_MARK and (actor is None or actor.startswith("button:")):
        return text("mark.button", lang)
    return mark


def local_name(name: str, lang: Lang) -> str:
    """A bilingual configured name ("审判长 Presiding judge") in one language: its Chinese or its other part."""
    match = re.match(r"^\s*([^A-Za-z]*[\u3400-\u9fff][^A-Za-z]*?)\s+([A-Za-z].*)$", name)
    if not match:
        return name
    return match.group(1).strip() if lang == "zh-CN" else match.group(2).strip()


def language(value: str | None = None) -> Lang:
    """``zh-CN`` or ``en`` from an explicit choice (``--lang``), else from the environment (LC_ALL, LANG)."""
    if value:
        chosen = value.strip().lower()
        if chosen.startswith("zh"):
            return "zh-CN"
        if chosen.startswith("en"):
            return "en"
        raise InvalidArgument(f"--lang: '{value}' is not zh or en")
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        env = os.environ.get(var, "")
        if env:
            return "zh-CN" if env.lower().startswith("zh") else "en"
    return "zh-CN"


def error_text(code: str, lang_choice: str | None) -> str:
    """An error code's plain words in the chosen language (English when the choice itself is bad)."""
    try:
        lang = language(lang_choice)
    except InvalidArgument:
        lang = "en"
    key = f"error.{code}"
    return text(key, lang) if key in CATALOGUE else text("error.other", lang, code=code)


NOT_ON_THE_PAGE = ("record.", "verify.")  # the case-file record's and `journal verify`'s words


def javascript() -> str:
    """The catalogue and the patterns as an ES module for the console page (``/static/texts.js``)."""
    shown = {key: pair for key, pair in CATALOGUE.items() if not key.startswith(NOT_ON_THE_PAGE)}
    catalogue = {lang: {key: pair[i] for key, pair in shown.items()} for i, lang in enumerate(LANGS)}
    patterns = [[pattern.replace("(?P<", "(?<"), key] for pattern, key in PROBLEM_PATTERNS]
    dumps = json.dumps
    return (
        "// Generated from controller/texts.py when the console starts: edit that file, not this one.\n"
        f"export const CATALOGUE = {dumps(catalogue, ensure_ascii=False)};\n"
        f"export const PROBLEM_PATTERNS = {dumps(patterns, ensure_ascii=False)};\n"
        f"export const TODO_BY_PROBLEM = {dumps(TODO_BY_PROBLEM)};\n"
        f"export const BUTTON_MARK = {dumps(BUTTON_MARK, ensure_ascii=False)};\n"
    )
