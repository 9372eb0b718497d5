"""What the bridge accepts from the broker, checked before anything acts on it.

Every inbound payload is answered: a payload the daemon cannot take is refused with a code and a message that
names the limit it broke, never an exception. The limits keep one hostile message from costing more than a
small, fixed amount of memory and time; the duplicate-id memory is bounded by count and by age, whatever the
number of senders and topics.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import OrderedDict
from typing import Any

from pydantic import ValidationError

from controller.mqtt.contract import Command, Reply, Topics, now_ms
from drivers.devices.base import describe_validation
from drivers.errors import CourtroomError, ErrorCode

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_TOPIC_CHARS = 256
MAX_ID_CHARS = 128  # a string id; an integer id is within 64 bits
MAX_DEPTH = 8  # objects and lists inside each other
MAX_STRING_CHARS = 2000  # any string value
MAX_KEY_CHARS = 64
MAX_ITEMS = 256  # keys of an object or items of a list
MAX_INT = 2**63
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # the JSON escape of a UTF-16 surrogate
MAX_MESSAGE_CHARS = 400  # of an error reply's message

MAX_WAITING = 1000  # inbound messages read from the broker and waiting to be served; more are answered BUSY
DUPLICATE_MEMORY = 1024  # request ids remembered, over every topic
DUPLICATE_AGE_S = 120.0  # a repeat later than this is served again (QoS 1 repeats come within seconds)


class RequestError(CourtroomError):
    """An inbound message that cannot be acted on; ``code`` says why."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message[:MAX_MESSAGE_CHARS])
        self.code = code


def _limit(message: str) -> RequestError:
    return RequestError("INVALID_ARGUMENT", message)


def _unicode(text: str, where: str) -> None:
    try:
        text.encode()
    except UnicodeEncodeError:
        raise _limit(f"{where}: a lone surrogate escape is not text (\\ud800-\\udfff unpaired)") from None


def _check_value(value: Any, surrogates: bool = False) -> None:
    """Walk a decoded payload without recursion: depth, sizes of strings, keys, containers and integers; with
    ``surrogates`` (the payload has such escapes) also that every string is text that can be sent back."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "payload")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise _limit(f"{where}: nested deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)")
            if len(item) > MAX_ITEMS:
                raise _limit(f"{where}: {len(item)} entries; at most {MAX_ITEMS} (limit MAX_ITEMS)")
            if isinstance(item, dict):
                for key, sub in item.items():
                    if len(key) > MAX_KEY_CHARS:
                        raise _limit(f"{where}: a key of {len(key)} characters; at most {MAX_KEY_CHARS}")
                    if surrogates:
                        _unicode(key, where)
                    stack.append((sub, depth + 1, key))
            else:
                stack.extend((sub, depth + 1, f"{where}[{i}]") for i, sub in enumerate(item))
        elif isinstance(item, str):
            if len(item) > MAX_STRING_CHARS:
                raise _limit(f"{where}: a string of {len(item)} characters; at most {MAX_STRING_CHARS}")
            if surrogates:
                _unicode(item, where)
        elif isinstance(item, int) and not isinstance(item, bool) and not -MAX_INT <= item < MAX_INT:
            raise _limit(f"{where}: an integer outside 64 bits")


def decode(payload: object) -> dict[str, Any]:
    """The JSON object of a payload, within the limits; RequestError naming what is wrong."""
    if isinstance(payload, str):
        payload = payload.encode(errors="surrogatepass")
    elif not isinstance(payload, bytes | bytearray):
        payload = b""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise _limit(f"payload of {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES} (limit MAX_PAYLOAD_BYTES)")
    try:
        data = json.loads(payload)
    except RecursionError:
        raise _limit(f"payload: nested deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, and integers of more than 4300 digits
        if "digits" in str(exc):
            raise _limit("payload: an integer outside 64 bits") from None
        raise RequestError("BAD_REQUEST", f"payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError("BAD_REQUEST", "payload must be a JSON object with an 'id'")
    _check_value(data, surrogates=_SURROGATE.search(payload) is not None)
    request_id = data.get("id")
    if isinstance(request_id, str) and len(request_id) > MAX_ID_CHARS:
        raise _limit(f"id: {len(request_id)} characters; at most {MAX_ID_CHARS} (limit MAX_ID_CHARS)")
    return data


def parse(payload: object, *, retain: bool, max_age_s: float, max_skew_s: float, now: int | None = None) -> Command:
    """A command from an inbound payload: not retained, within the limits, typed, neither stale nor from the
    future (a ``ts`` ahead of the daemon's clock by more than ``max_skew_s`` would never expire)."""
    if retain:
        raise RequestError("RETAINED", "retained messages on inbound topics are refused; publish with retain=false")
    data = decode(payload)
    try:
        command = Command.model_validate(data)
    except ValidationError as exc:
        raise RequestError("BAD_REQUEST", describe_validation(exc)) from None
    now = now_ms() if now is None else now
    if command.ts is not None:
        if now - command.ts > max_age_s * 1000:
            raise RequestError(
                "EXPIRED", f"command is {(now - command.ts) / 1000:.1f} s old; older than {max_age_s:g} s is refused"
            )
        if command.ts - now > max_skew_s * 1000:
            raise _limit(
                f"ts: {(command.ts - now) / 1000:.1f} s in the future; more than broker.clock_skew_s "
                f"({max_skew_s:g} s) ahead of the controller's clock is refused"
            )
    return command


def peek_id(payload: object) -> Any:
    """The id of a request that was refused, when it can still be read safely, so the sender can match it."""
    try:
        data = decode(payload)
    except CourtroomError:
        return None
    request_id = data.get("id")
    return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None


def reply_topic(topics: Topics, inbound_topic: str, response_topic: object) -> tuple[str, RequestError | None]:
    """Where to answer: the v5 Response Topic when it lies in the room's reply space,
    ``courtroom/v1/<room>/$reply/<client>/...`` (no wildcards), else the default ``.../reply/...`` with an
    error: a command whose Response Topic points anywhere else is not run."""
    default = topics.reply_to(inbound_topic)
    if response_topic is None or response_topic == "":
        return default, None
    space = f"{topics.root}/$reply/"
    if (
        not isinstance(response_topic, str)
        or not response_topic.startswith(space)
        or len(response_topic) > MAX_TOPIC_CHARS
        or any(c in response_topic for c in "+#\0")
        or "" in response_topic[len(space) :].split("/")
    ):
        shown = str(response_topic)[:80]
        return default, RequestError(
            "FORBIDDEN",
            f"Response Topic '{shown}' is outside this room's reply space '{space}<client>/...' (no wildcards): "
            "the command was not run",
        )
    return response_topic, None


class StampedQueue(asyncio.Queue[Any]):
    """The MQTT client's inbound queue; each message notes when it was read from the broker (monotonic), so a
    command that waited behind a flood is known to be stale whatever the sender's clock says. Beyond
    ``MAX_WAITING`` waiting messages, ``overflow(message)`` answers the newcomer at once instead of queueing it
    (a hearing operation may wait up to twice as many): memory stays bounded however fast messages come."""

    def overflow(self, item: Any) -> bool:
        """A message that finds the queue full: True when it was refused (the bridge's subclass answers it
        BUSY), False to queue it all the same (a hearing operation waits, up to twice the limit)."""
        return True

    def take(self, item: Any) -> bool:
        """A stamped message that finds nothing waiting before it: True when the bridge's subclass starts
        serving it at once (no queue, no loop turns on the way), False to queue it."""
        return False

    def queued(self, item: Any) -> None:
        """Told of each message that goes into the queue (the bridge counts them until they are served)."""

    def put_nowait(self, item: Any) -> None:
        waiting = self.qsize()
        if waiting >= MAX_WAITING and (waiting >= 2 * MAX_WAITING or self.overflow(item)):
            return
        item.received_at = time.monotonic()
        if not waiting and self.take(item):
            return
        self.queued(item)
        super().put_nowait(item)


def received_at(message: object) -> float | None:
    """When a message was read from the broker (``time.monotonic()``), if its queue noted it."""
    value = getattr(message, "received_at", None)
    return value if isinstance(value, float) else None


class DuplicateMemory:
    """The replies of recent request ids, per topic, so a repeat (QoS 1 may deliver twice) is answered without
    acting again; bounded by count (``DUPLICATE_MEMORY`` over every topic) and age (``DUPLICATE_AGE_S``)."""

    def __init__(self, size: int = DUPLICATE_MEMORY, age_s: float = DUPLICATE_AGE_S) -> None:
        self.size = size
        self.age_s = age_s
        self._seen: OrderedDict[tuple[str, str], tuple[float, asyncio.Future[Reply]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def get(self, topic: str, key: str) -> asyncio.Future[Reply] | None:
        self._prune(time.monotonic())
        found = self._seen.get((topic, key))
        return found[1] if found is not None else None

    def put(self, topic: str, key: str, future: asyncio.Future[Reply]) -> None:
        now = time.monotonic()
        self._seen[(topic, key)] = (now, future)
        self._prune(now)

    def _prune(self, now: float) -> None:
        seen = self._seen
        while seen and (len(seen) > self.size or now - next(iter(seen.values()))[0] > self.age_s):
            seen.popitem(last=False)
