"""Simulated microphones played live: the script's samples fed into a named pipe that ALSA's file plugin reads.

``SimulatedRoom(live=True)`` gives each ``alsa:<name>`` port a FIFO ``<run_dir>/audio/<name>.fifo`` as the pcm's
``infile`` instead of a finished raw file, and a thread that writes the script into it without end (the script
repeats). A process that sets ``XDG_CONFIG_HOME=<run_dir>`` (``sim.audio.alsa_env``) opens the device with PortAudio
like any capture card, while the samples come from the simulator's process.

The pipe holds about a tenth of a second ahead of the reader, so the microphone plays at the pace it is read (a
reader paces itself, as for a file). Each write is a whole number of frames and at most ``PIPE_BUF`` bytes, which
the kernel writes in one piece, so a reader never gets half a frame. A reader that goes away leaves the pipe full;
the next reader starts with that tenth of a second. Fallen silent (``faults``, which the handle sets), the thread
writes nothing until it resumes: the reader's read blocks on the empty pipe, as on a hung interface, and the
script goes on from where it stopped. Known limit: ALSA opens the pipe for reading with a blocking
open, which waits for a writer; the simulator keeps one open from start to stop and removes the pcm and the pipe
when it stops, but after a ``kill -9`` of the simulator, remove its run folder before opening the device again.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from pathlib import Path

from sim.audio import AlsaEndpoint
from sim.audio_script import AudioScript
from sim.faults import Faults
from sim.registry import EndpointContext, register_endpoint

PIPE_BUF = 4096
WAIT_S = 0.2


class LiveAlsaEndpoint(AlsaEndpoint):
    """An ``alsa:<name>`` capture pcm over a named pipe fed live by a thread of the simulator."""

    def __init__(self, port: str, run_dir: Path) -> None:
        super().__init__(port, run_dir)
        self.raw = run_dir / "audio" / f"{self.name}.fifo"
        self.frames_fed = 0
        self.silence = Faults()  # silent: nothing is fed until it resumes (the handle's faults)
        self.faults = self.silence
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None

    def publish(self, script: AudioScript) -> None:
        """Make the pipe, hold it open, start feeding it and plug the pcm in."""
        self.raw.parent.mkdir(parents=True, exist_ok=True)
        if not self.raw.exists():
            os.mkfifo(self.raw, 0o600)
        if self._fd is None:
            # read-write: the open does not wait for a reader, and a reader that leaves raises no SIGPIPE
            self._fd = os.open(self.raw, os.O_RDWR | os.O_NONBLOCK)
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._feed, args=(script, self._fd), name=f"sim-mic-{self.name}", daemon=True
            )
            self._thread.start()
        self.replug()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        super().close()  # removes the pcm, then the pipe
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _feed(self, script: AudioScript, fd: int) -> None:
        frame_bytes = 2 * script.channels
        per_write = max(1, PIPE_BUF // frame_bytes) * frame_bytes
        while not self._stop.is_set():
            for chunk in script.chunks():
                data = memoryview(chunk.astype("<i2").tobytes())
                while data and not self._stop.is_set():
                    if self.silence.silent:
                        self._stop.wait(WAIT_S / 4)
                        continue
                    _, ready, _ = select.select([], [fd], [], WAIT_S)
                    if not ready:
                        continue
                    try:
                        sent = os.write(fd, data[:per_write])
                    except BlockingIOError:
                        continue
                    except OSError:
                        return
                    self.frames_fed += sent // frame_bytes
                    data = data[sent:]
                if self._stop.is_set():
                    return


def _endpoint(port: str, ctx: EndpointContext) -> AlsaEndpoint:
    return LiveAlsaEndpoint(port, ctx.run_dir) if ctx.live else AlsaEndpoint(port, ctx.run_dir)


def register() -> None:
    """Teach the simulator the ``alsa:`` endpoint: fed live through a pipe, or a finished file (``--files``)."""
    register_endpoint("alsa:", _endpoint)
