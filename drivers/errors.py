"""The project's one exception base, the subclasses a caller can act on, and the one list of error codes.

Every error carries a stable ``code``; the MQTT bridge, the console and the fleet view put that code in error
replies, so the codes are part of the public contract (see docs/mqtt.md and docs/console.md). ``ErrorCode`` is
the one list: a code not in it is a type error (mypy) and a class that declares one fails at import;
``ERROR_CLASSES`` names each code's exception class (by module path: the drivers never import the controller),
and tests/test_error_codes.py checks the two against every class and every code written in the tree.
"""

from __future__ import annotations

from typing import Literal, get_args

ErrorCode = Literal[
    # a request that cannot be acted on
    "BAD_REQUEST",  # not JSON, not an object, no usable id; a console request's body or field is malformed
    "NOT_FOUND",  # no such device, request, recording or room
    "INVALID_ARGUMENT",  # unknown action or parameter, wrong type, out of the model's range
    "UNSUPPORTED",  # the device (or this daemon) cannot do what was asked
    "EXPIRED",  # older than its expiry, or its deadline passed while it waited in its device's queue
    "SUPERSEDED",  # a newer command of the same coalescing action replaced it while it waited
    "RETAINED",  # a retained message on an inbound topic
    "FORBIDDEN",  # not allowed to this sender: a reply space outside its own, a role without the permission
    "UNAUTHENTICATED",  # the console's or the fleet view's login is missing, wrong or expired
    "LOCKED",  # too many failed logins
    # the device
    "OFFLINE",
    "DEVICE_TIMEOUT",
    "DEVICE_NAK",
    "NOT_EXECUTABLE",
    "BUSY",  # the device's command queue, or its own command buffers, are full
    "TRANSPORT_LOST",
    "DECODE_ERROR",
    # the hearing, its journal, its records and streams
    "INVALID_STATE",  # a hearing operation not allowed in the hearing's present state
    "CHECK_FAILED",  # opening refused: the pre-hearing check failed and no override reason was given
    "JOURNAL_ERROR",  # the journal cannot write the operation's row: nothing of it was done
    "RECORDING_RULE",  # a hearing's recording stops only through its interruptions (or a technician's override)
    "RECORDING_ERROR",  # a recording's manifest or file is missing, unreadable or does not match
    "SIGNING_ERROR",  # the signing key cannot be read or made, or a signature is malformed
    "RENDER_ERROR",  # the hearing's record could not be rendered
    "STREAM_POLICY",  # the live stream's rules do not allow it now
    "CASE_SYSTEM",  # the case system could not give the schedule
    "UNAVAILABLE",  # a service the request needs is not there now (the fleet view's broker)
    # configuration
    "PROFILE_ERROR",
    "CONFIG_ERROR",
    "INTERNAL",  # a bug: logged, and the daemon stays up
]
"""Every error code the project puts in a reply: the MQTT contract's, the console's and the fleet view's."""

ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))

ERROR_CLASSES: dict[ErrorCode, tuple[str, ...]] = {
    "BAD_REQUEST": ("controller.mqtt.inbound.RequestError",),
    "NOT_FOUND": ("controller.room.UnknownDevice",),
    "INVALID_ARGUMENT": ("drivers.errors.InvalidArgument",),
    "UNSUPPORTED": ("drivers.errors.Unsupported",),
    "EXPIRED": ("controller.commands.Expired",),
    "SUPERSEDED": ("controller.commands.Superseded",),
    "RETAINED": ("controller.mqtt.inbound.RequestError",),
    "FORBIDDEN": ("controller.mqtt.inbound.RequestError",),
    "UNAUTHENTICATED": ("controller.console.api.ApiError",),
    "LOCKED": ("controller.console.api.ApiError",),
    "OFFLINE": ("drivers.errors.DeviceOffline",),
    "DEVICE_TIMEOUT": ("drivers.errors.DeviceTimeout",),
    "DEVICE_NAK": ("drivers.errors.DeviceNak",),
    "NOT_EXECUTABLE": ("drivers.errors.NotExecutable",),
    "BUSY": ("drivers.errors.BufferFull", "controller.commands.QueueFull"),
    "TRANSPORT_LOST": ("drivers.errors.TransportLost",),
    "DECODE_ERROR": ("drivers.errors.DecodeError",),
    "INVALID_STATE": ("controller.hearing.service.InvalidState",),
    "CHECK_FAILED": ("controller.hearing.service.CheckFailed",),
    "JOURNAL_ERROR": ("controller.journal.rows.JournalError",),
    "RECORDING_RULE": ("controller.hearing.rule.RecordingRule",),
    "RECORDING_ERROR": ("controller.recording.manifest.RecordingError",),
    "SIGNING_ERROR": ("controller.signing.SigningError",),
    "RENDER_ERROR": ("controller.hearing.record_render.RecordRenderError",),
    "STREAM_POLICY": ("controller.streaming.service.StreamPolicy",),
    "CASE_SYSTEM": ("controller.cases.client.CaseSystemError",),
    "UNAVAILABLE": ("controller.fleet.web",),
    "PROFILE_ERROR": ("drivers.errors.ProfileError",),
    "CONFIG_ERROR": ("drivers.errors.ConfigError",),
    "INTERNAL": ("drivers.errors.CourtroomError",),
}
"""Each code's exception classes (``module.Class``), or for a code only an HTTP handler answers, its module.
A class of the tree that declares a code is one of its code's here; one that carries any code it is given
(``RequestError``, ``ApiError``) is named for the codes only it carries."""


class CourtroomError(Exception):
    """Base of every error the project raises on purpose."""

    code: ErrorCode = "INTERNAL"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if code is not None and code not in ERROR_CODES:
            raise TypeError(f"{cls.__module__}.{cls.__qualname__}: error code {code!r} is not in drivers/errors.py")


class InvalidArgument(CourtroomError):
    """A parameter is missing, of the wrong type or outside what the device's profile allows."""

    code = "INVALID_ARGUMENT"


class Unsupported(CourtroomError):
    """The device (by its profile or firmware) cannot do what was asked."""

    code = "UNSUPPORTED"


class DeviceOffline(CourtroomError):
    """The device is not connected; commands are refused at once, never queued."""

    code = "OFFLINE"


class DeviceTimeout(CourtroomError):
    """The device did not answer in the time its profile allows."""

    code = "DEVICE_TIMEOUT"


class DeviceNak(CourtroomError):
    """The device refused the command; ``device_code`` is the code it sent, when it sent one."""

    code: ErrorCode = "DEVICE_NAK"

    def __init__(self, message: str, device_code: int | None = None) -> None:
        super().__init__(message)
        self.device_code = device_code


class NotExecutable(DeviceNak):
    """The device understood the command but cannot carry it out in its present state."""

    code = "NOT_EXECUTABLE"


class BufferFull(DeviceNak):
    """The device's command buffers are all busy; try again when a running command completes."""

    code = "BUSY"


class TransportLost(CourtroomError):
    """The link to the device (serial port, socket) went away."""

    code = "TRANSPORT_LOST"


class DecodeError(CourtroomError):
    """Bytes from the wire do not form a valid frame or reply."""

    code = "DECODE_ERROR"


class ProfileError(CourtroomError):
    """A firmware profile is missing or invalid; the message names the file, key and reason."""

    code = "PROFILE_ERROR"


class ConfigError(CourtroomError):
    """A room configuration is invalid; the message names the file, key and reason."""

    code = "CONFIG_ERROR"
