"""A narrow, typed use of PyAudio: find an input device by name, open a blocking S16 input stream.

PortAudio's initialisation is not thread-safe, so opening and closing go through one lock. ALSA and JACK print
dozens of lines on stderr while PortAudio probes them; ``quiet_native_chatter()`` installs do-nothing handlers
(kept referenced for the life of the process) before the first PyAudio instance.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from typing import Any

import pyaudio

from drivers.errors import TransportLost

_lock = threading.Lock()
_handlers: list[Any] = []  # ctypes callbacks must outlive every call into the libraries
_quiet = False

_AlsaHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_JackHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p)


def _ignore_alsa(_file: bytes, _line: int, _func: bytes, _err: int, _fmt: bytes) -> None:
    return None


def _ignore_jack(_message: bytes) -> None:
    return None


def quiet_native_chatter() -> None:
    """Silence ALSA's and JACK's stderr messages (idempotent; a missing library is skipped)."""
    global _quiet  # noqa: PLW0603 - one set of handlers per process
    if _quiet:
        return
    _quiet = True
    with contextlib.suppress(OSError, AttributeError):
        alsa = ctypes.CDLL("libasound.so.2")
        handler = _AlsaHandler(_ignore_alsa)
        alsa.snd_lib_error_set_handler(handler)
        _handlers.append(handler)
    with contextlib.suppress(OSError, AttributeError):
        jack = ctypes.CDLL("libjack.so.0")
        handler_j = _JackHandler(_ignore_jack)
        jack.jack_set_error_function(handler_j)
        jack.jack_set_info_function(handler_j)
        _handlers.append(handler_j)


class InputStream:
    """One open S16 input stream and the PyAudio instance behind it; ``read`` blocks, ``close`` never raises."""

    def __init__(self, audio: pyaudio.PyAudio, stream: pyaudio.Stream, device_name: str) -> None:
        self._audio = audio
        self._stream = stream
        self.device_name = device_name

    def read(self, frames: int) -> bytes:
        """``frames`` frames of interleaved S16_LE samples; OSError when the device went away."""
        return self._stream.read(frames, exception_on_overflow=False)

    def close(self) -> None:
        with _lock:
            with contextlib.suppress(Exception):
                self._stream.stop_stream()
            with contextlib.suppress(Exception):
                self._stream.close()
            with contextlib.suppress(Exception):
                self._audio.terminate()


def _find(audio: pyaudio.PyAudio, name: str, channels: int) -> tuple[int, str]:
    inputs: list[tuple[int, str, int]] = []
    for index in range(audio.get_device_count()):
        info = audio.get_device_info_by_index(index)
        if int(info["maxInputChannels"]) > 0:
            inputs.append((index, str(info["name"]), int(info["maxInputChannels"])))
    exact = [d for d in inputs if d[1] == name]
    partial = [d for d in inputs if name in d[1]]
    if name.isdigit():
        exact = [d for d in inputs if d[0] == int(name)]
    found = exact or (partial if len(partial) == 1 else [])
    if not found:
        have = ", ".join(repr(d[1]) for d in inputs) or "none"
        why = "several devices match" if len(partial) > 1 else "no input device matches"
        raise TransportLost(f"{why} '{name}' (inputs: {have})")
    index, full_name, max_channels = found[0]
    if max_channels < channels:
        raise TransportLost(f"input '{full_name}' has {max_channels} channels, {channels} configured")
    return index, full_name


def open_input(name: str, channels: int, rate: int, frames_per_buffer: int) -> InputStream:
    """Open the input device called ``name`` (exact PortAudio name, a unique part of it, or an index)."""
    quiet_native_chatter()
    with _lock:
        audio = pyaudio.PyAudio()
        try:
            index, full_name = _find(audio, name, channels)
            stream = audio.open(
                format=pyaudio.paInt16,
                channels=channels,
                rate=rate,
                input=True,
                input_device_index=index,
                frames_per_buffer=frames_per_buffer,
            )
        except OSError as exc:
            audio.terminate()
            raise TransportLost(f"cannot open input '{name}': {exc}") from None
        except BaseException:
            audio.terminate()
            raise
    return InputStream(audio, stream, full_name)
