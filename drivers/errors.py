"""The project's one exception base and the subclasses a caller can act on.

Every error carries a stable ``code``; the MQTT bridge and the console put that code in error replies, so
the codes here are part of the public contract (see docs/mqtt.md).
"""

from __future__ import annotations


class CourtroomError(Exception):
    """Base of every error the project raises on purpose."""

    code = "INTERNAL"


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

    code = "DEVICE_NAK"

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
