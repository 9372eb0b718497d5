"""One formatter for validation errors: a pydantic ValidationError becomes one line per problem, naming where
(the file, or the device and what of it was checked), the key (list items that have an id named by it as well:
``devices[5] (cam-gallery).address``) and what is wrong, with a "did you mean" when a key, a choice or a word
is misspelt. Room configs, profiles, a device's options, console and fleet user files and every command's
parameters are reported through it."""

from __future__ import annotations

import difflib
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


def did_you_mean(word: object, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` when ``word`` is close to one of ``choices``, else empty."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if get_origin(annotation) in (Union, types.UnionType, list, dict, tuple) or get_args(annotation):
        for arg in get_args(annotation):
            found.extend(_models_in(arg))
    return found


def fields_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at ``loc`` (list indexes and dict keys skipped), or []."""
    models = [root]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            field = model.model_fields.get(part)
            if field is not None:
                nxt.extend(_models_in(field.annotation))
        if nxt:
            models = nxt
        elif not any(part in m.model_fields for m in models):
            continue  # a dict key (display id, operator name): the model below it stays the same
        else:
            return []
    return sorted({name for model in models for name in model.model_fields})


def key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """``devices[5] (cam-gallery).address``: list items that have an id are named by it as well."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out += f" ({item['id']})"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _literal_choices(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The allowed words of a Literal field at ``loc`` (for a misspelt kind or role)."""
    models = [root]
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        for model in models:
            field = model.model_fields.get(part)
            if field is not None:
                annotation = field.annotation
                models = _models_in(annotation) or models
                break
    words: list[str] = []
    stack = [annotation]
    while stack:
        ann = stack.pop()
        if get_origin(ann) is Literal:
            words.extend(str(a) for a in get_args(ann))
        else:
            stack.extend(get_args(ann))
    return words


def message(item: Any, root: type[BaseModel] | None = None) -> str:
    """One pydantic error as the technician should read it."""
    kind = item["type"]
    loc = tuple(item["loc"])
    given = item.get("input")
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return f"unknown key{did_you_mean(loc[-1], fields_at(root, loc[:-1])) if root else ''}"
    if kind == "literal_error":
        return f"{item['msg']}{did_you_mean(given, _literal_choices(root, loc)) if root else ''}"
    if kind in ("int_type", "float_type", "bool_type") and isinstance(given, str):
        return f"{item['msg']}, got the text {given!r} (write it without quotes)"
    if kind == "int_type" and isinstance(given, float):
        return f"{item['msg']}, got {given:g}"
    text = str(item["msg"])
    return text.removeprefix("Value error, ")


def validation_lines(
    err: ValidationError | list[Any],
    *,
    source: str | None = None,
    prefix: str = "",
    root: type[BaseModel] | None = None,
    data: Any = None,
) -> list[str]:
    """Every problem as ``source: prefix.key: what`` (``source`` and ``prefix`` when given; a validator's several
    problems become several lines). ``root`` (the model validated) gives the "did you mean" of a misspelt key or
    choice; ``data`` (what was validated) names list items by their id."""
    lines: list[str] = []
    for item in err.errors() if isinstance(err, ValidationError) else err:
        loc = tuple(item["loc"])
        key = key_path(loc, data) if loc else ""
        key = f"{prefix}.{key}" if prefix and key else prefix or key
        head = ": ".join(part for part in (source, key) if part)
        for text in message(item, root).split("\n"):
            lines.append(f"{head}: {text}" if head else text)
    return lines
