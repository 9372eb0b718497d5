"""What a device can report as having happened once: the device events, declared per device class.

A device class lists the events it may raise (``Device.events``), as it lists its actions; ``_emit`` refuses an
event its class did not declare, so a misspelt name fails in the tests instead of reaching no subscriber. The
hearing, the recording unit, the console and the MQTT contract (``<device>/event``) all use these names.
"""

from __future__ import annotations

from enum import StrEnum


class DeviceEventName(StrEnum):
    MIC_ON = "mic_on"  # a conference seat's microphone went on (data: seat)
    MIC_OFF = "mic_off"  # ... went off (data: seat)
    REQUEST_ON = "request_on"  # a delegate asked to speak (data: seat)
    REQUEST_OFF = "request_off"  # ... the request was withdrawn or granted (data: seat)
    ALL_OFF = "all_off"  # every microphone was switched off at once (data: seats)
    SPEECH_ON = "speech_on"  # voice activity began on an audio input's channel (data: seat = the channel)
    SPEECH_OFF = "speech_off"  # ... ended (data: seat)
    PRESSED = "pressed"  # a button or foot switch was pressed (data: presses)
    RELEASED = "released"  # ... released (data: presses)
    RECORDING_STOPPED = "recording_stopped"  # a recorder stopped recording on its own (data: transport, clip...)
    SEGMENT_CLOSED = "segment_closed"  # the software recorder closed a segment file (data: path, stream, times...)
