"""The simulated microphones: script timing, dead and clipping channels, the raw file and the asoundrc."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.audio import AlsaEndpoint, SimAudioInput, pcm_name, write_asoundrc
from sim.audio_script import AudioScript, Turn, round_robin, script_from
from sim.errors import SimConfigError
from sim.room import SimulatedRoom

RATE = 16000


def rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-9) / 32768)


def samples(script: AudioScript) -> np.ndarray:
    return np.concatenate(list(script.chunks(chunk_s=0.7)))


def test_who_speaks_when_shows_in_the_levels() -> None:
    script = AudioScript(channels=2, rate=RATE, duration_s=6.0, turns=(Turn(1, 1.0, 3.0), Turn(2, 4.0, 5.5)))
    data = samples(script)
    assert data.shape == (6 * RATE, 2)
    assert data.dtype == np.int16
    speaking = data[int(1.2 * RATE) : int(2.8 * RATE), 0]
    quiet = data[int(0.1 * RATE) : int(0.9 * RATE), 0]
    assert rms_dbfs(speaking) > -30
    assert -62 < rms_dbfs(quiet) < -54  # background noise
    assert rms_dbfs(data[int(4.2 * RATE) : int(5.3 * RATE), 1]) > -30
    assert script.speaking(1, 2.0) and not script.speaking(1, 3.5)


def test_speech_has_a_syllable_rhythm() -> None:
    script = AudioScript(channels=1, rate=RATE, duration_s=4.0, turns=(Turn(1, 0.0, 4.0),))
    data = samples(script)[:, 0].astype(np.float64)
    block = RATE // 20  # 50 ms
    energy = np.sqrt(np.mean(data[: len(data) // block * block].reshape(-1, block) ** 2, axis=1))
    loud = energy > energy.max() / 4
    onsets = int(np.count_nonzero(loud[1:] & ~loud[:-1]))
    assert 8 <= onsets <= 24  # about 3-5 syllables a second over 4 s


def test_dead_channels_are_silent_and_clipping_ones_hit_full_scale() -> None:
    script = AudioScript(
        channels=3,
        rate=RATE,
        duration_s=3.0,
        turns=(Turn(2, 0.5, 2.5), Turn(3, 0.5, 2.5)),
        dead=frozenset({2}),
        clipping=frozenset({3}),
    )
    data = samples(script)
    assert not data[:, 1].any()
    assert np.count_nonzero(np.abs(data[:, 2].astype(np.int32)) >= 32767) > 100


def test_chunking_does_not_change_the_samples() -> None:
    script = AudioScript(channels=2, rate=RATE, duration_s=2.0, turns=(Turn(1, 0.2, 1.8),))
    a = np.concatenate(list(script.chunks(chunk_s=0.3)))
    b = np.concatenate(list(script.chunks(chunk_s=5.0)))
    speech_a, speech_b = a[:, 0] - 0, b[:, 0] - 0
    assert np.corrcoef(speech_a, speech_b)[0, 1] > 0.99  # same speech; the noise draws may split differently


def test_round_robin_and_script_from_simulate_keys() -> None:
    assert round_robin([1, 2], 12.0, turn_s=4.0, gap_s=1.0) == (
        Turn(1, 0.5, 4.5),
        Turn(2, 5.5, 9.5),
        Turn(1, 10.5, 12.0),
    )
    script = script_from({"duration_s": 10, "dead": [2], "clipping": [3]}, 3, RATE, "here")
    assert {t.channel for t in script.turns} == {1, 3}
    explicit = script_from({"turns": [[1, 0, 2]]}, 1, RATE, "here")
    assert explicit.turns == (Turn(1, 0.0, 2.0),)
    with pytest.raises(SimConfigError, match="here"):
        script_from({"duration_s": "long"}, 1, RATE, "here")
    with pytest.raises(SimConfigError, match="channel 5"):
        AudioScript(channels=2, turns=(Turn(5, 0, 1),))


def test_the_raw_file_and_the_pcm(tmp_path: Path) -> None:
    script = AudioScript(channels=2, rate=RATE, duration_s=1.5)
    handle = SimAudioInput(AlsaEndpoint("alsa:USB Audio: #1", tmp_path), script, {1: "judge"})
    assert pcm_name("alsa:USB Audio: #1") == "USB_Audio___1"
    handle.open()
    raw = tmp_path / "audio" / "USB_Audio___1.raw"
    assert raw.stat().st_size == int(1.5 * RATE) * 2 * 2
    asoundrc = (tmp_path / "alsa" / "asoundrc").read_text()
    assert "pcm.USB_Audio___1 {" in asoundrc and f'infile "{raw}"' in asoundrc and 'format "raw"' in asoundrc
    assert handle.endpoint.url == "alsa:USB_Audio___1"
    handle.unplug()
    assert "USB_Audio___1" not in (tmp_path / "alsa" / "asoundrc").read_text()
    handle.replug()
    assert "USB_Audio___1" in (tmp_path / "alsa" / "asoundrc").read_text()
    handle.close()
    assert not raw.exists()
    assert write_asoundrc(tmp_path).read_text() == ""


async def test_a_room_config_gets_simulated_inputs(tmp_path: Path) -> None:
    config = {
        "room": {"id": "r1", "name": "Room 1"},
        "devices": [
            {
                "id": "mics",
                "kind": "audio_input",
                "profile": "generic/usb-audio-interface-8ch",
                "transport": {"port": "alsa:desk"},
                "options": {"rate": RATE, "seats": {1: "judge", 2: "witness"}},
            }
        ],
    }
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(config))
    room = SimulatedRoom(path, tmp_path / "run")
    handle = room.device("mics")
    assert isinstance(handle, SimAudioInput)
    handle.script = AudioScript(channels=8, rate=RATE, duration_s=1.0)
    async with room:
        assert room.endpoints["mics"] == "alsa:desk"
        assert (tmp_path / "run" / "audio" / "desk.raw").stat().st_size == RATE * 8 * 2
        assert "pcm.desk" in (tmp_path / "run" / "alsa" / "asoundrc").read_text()
