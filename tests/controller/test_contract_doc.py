"""docs/mqtt.md and controller/mqtt/contract.py must say the same thing."""

from __future__ import annotations

import re

import pytest

from controller.mqtt import contract
from tests.conftest import REPO

DOC = (REPO / "docs" / "mqtt.md").read_text(encoding="utf-8")


def _section(start: str, end: str) -> str:
    return DOC.split(start, 1)[1].split(end, 1)[0]


def test_topic_table_matches_contract() -> None:
    rows = []
    for line in _section("<!-- topic-table -->", "<!-- /topic-table -->").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0].startswith(("topic", "---")):
            continue
        rows.append((cells[0], cells[1], cells[2] == "yes", int(cells[3]), cells[4]))
    assert rows == contract.TOPIC_TABLE


@pytest.mark.parametrize("name", sorted({row[4] for row in contract.TOPIC_TABLE}))
def test_every_payload_field_is_documented(name: str) -> None:
    model = getattr(contract, name)
    marker = f"<!-- payload {name} -->"
    assert marker in DOC, f"docs/mqtt.md has no section for {name}"
    text = DOC.split(marker, 1)[1].split("<!--", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", text))
    missing = set(model.model_fields) - documented
    assert not missing, f"{name}: fields not in docs/mqtt.md: {sorted(missing)}"


def test_reply_topic_replaces_cmd_and_request() -> None:
    topics = contract.Topics("b2-cr104")
    assert topics.reply_to("courtroom/v1/b2-cr104/cam-1/cmd/preset_recall") == (
        "courtroom/v1/b2-cr104/cam-1/reply/preset_recall"
    )
    assert (
        topics.reply_to("courtroom/v1/b2-cr104/$ctl/request/republish") == "courtroom/v1/b2-cr104/$ctl/reply/republish"
    )
    # a device whose id is "cmd" keeps its id: only the action's own segment changes
    assert topics.reply_to("courtroom/v1/b2-cr104/cmd/cmd/home") == "courtroom/v1/b2-cr104/cmd/reply/home"


def test_command_envelope_separates_params() -> None:
    cmd = contract.Command.model_validate({"id": "a1", "ts": 5, "preset": 3})
    assert (cmd.id, cmd.ts, cmd.params()) == ("a1", 5, {"preset": 3})
    with pytest.raises(ValueError, match="id"):
        contract.Command.model_validate({"preset": 3})
