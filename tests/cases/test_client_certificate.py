"""The case system over HTTPS asking for a client certificate: the room's certificate gets the schedule, no
certificate gets a clear "cannot connect"."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from controller.cases.config import CaseSystemConfig
from controller.cases.service import CaseService
from tests.conftest import REPO
from tests.recording.conftest import RecordingCourt


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(folder: Path, name: str, subject: str, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
           server: bool = False) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(ca[0].subject if ca else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca is None, path_length=None), critical=True)
    )
    if server:
        loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([loopback]), critical=False)
    cert = builder.sign(ca[1] if ca else key, hashes.SHA256())
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return cert, key


@pytest.fixture
async def tls_case_system(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    pki = tmp_path / "pki"
    pki.mkdir()
    ca = _issue(pki, "ca", "court CA", None)
    _issue(pki, "server", "case system", ca, server=True)
    _issue(pki, "client", "room rec-test", ca)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sim.case_system", "--tls-cert", str(pki / "server.pem"), "--tls-key",
        str(pki / "server.key"), "--client-ca", str(pki / "ca.pem"), cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        base = json.loads(await asyncio.wait_for(proc.stdout.readline(), 20))["case_system"]
        yield f"{base}/api/v1/schedule", pki
    finally:
        proc.terminate()
        await proc.wait()


async def test_the_room_s_client_certificate_gets_the_schedule(
    court: RecordingCourt, tls_case_system: tuple[str, Path]
) -> None:
    url, pki = tls_case_system
    zone, room_id = court.room.config.room.zone, court.room.room_id
    config = CaseSystemConfig(url=url, ca_file=pki / "ca.pem", client_cert=pki / "client.pem",
                              client_key=pki / "client.key")
    state = await CaseService(config, room_id, zone, court.hearing).refresh()
    assert state.status == "ok" and len(state.cases) == 3
    without = await CaseService(CaseSystemConfig(url=url, ca_file=pki / "ca.pem"), room_id, zone,
                                court.hearing).refresh()
    assert without.status == "unreachable" and "cannot connect" in (without.problem or ""), without.problem
    untrusted = await CaseService(CaseSystemConfig(url=url), room_id, zone, court.hearing).refresh()
    assert untrusted.status == "unreachable" and "certificate" in (untrusted.problem or "").lower()
