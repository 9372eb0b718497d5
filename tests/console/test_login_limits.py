"""Login limits of the real console over HTTP, from several loopback addresses (127.0.0.x are all this machine):
per address across names, per name across addresses, and never a lock-out of a user from another address."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from controller.console.limits import ADDRESS_FAILURES, MAX_KEYS, NAME_FAILURES, PAIR_FAILURES, LoginLimiter
from tests.console.conftest import USERS, ConsoleRig


def _client(rig: ConsoleRig, address: str) -> aiohttp.ClientSession:
    """A client whose requests come from ``address`` (a 127.0.0.x source address)."""
    return aiohttp.ClientSession(
        base_url=rig.origin,
        connector=aiohttp.TCPConnector(local_addr=(address, 0), force_close=True),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )


async def _login(client: aiohttp.ClientSession, user: str, password: str) -> tuple[int, dict[str, Any]]:
    async with client.post("/api/login", json={"user": user, "password": password}) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def test_one_address_walking_names_is_locked_but_not_the_clerk_elsewhere(rig: ConsoleRig) -> None:
    user, password = USERS["clerk"]
    async with _client(rig, "127.0.0.2") as attacker, _client(rig, "127.0.0.3") as clerk:
        for i in range(ADDRESS_FAILURES):
            status, _ = await _login(attacker, f"name{i}", "guess-guess")
            assert status == 401
        status, body = await _login(attacker, "name-next", "guess-guess")
        assert status == 429 and "too many failed logins" in body["error"]["message"]
        status, _ = await _login(attacker, user, password)  # the address is locked, whatever the name
        assert status == 429
        status, _ = await _login(clerk, user, password)  # the clerk's own PC is not
        assert status == 200


async def test_one_address_cannot_lock_a_user_out_of_another(rig: ConsoleRig) -> None:
    user, password = USERS["clerk"]
    async with _client(rig, "127.0.0.4") as attacker, _client(rig, "127.0.0.5") as clerk:
        for _ in range(PAIR_FAILURES):
            assert (await _login(attacker, user, "wrong-password"))[0] == 401
        assert (await _login(attacker, user, password))[0] == 429
        assert (await _login(clerk, user, password))[0] == 200


async def test_one_name_from_many_addresses_is_locked_except_where_it_works(rig: ConsoleRig) -> None:
    user, password = USERS["judge"]
    async with _client(rig, "127.0.0.9") as judge_pc:
        assert (await _login(judge_pc, user, password))[0] == 200  # the judge's PC becomes a known address
    attackers = [f"127.0.1.{i}" for i in range(1, 6)]
    failures = 0
    for address in attackers:
        async with _client(rig, address) as attacker:
            for _ in range(PAIR_FAILURES - 1):  # under each address's own limits
                if failures < NAME_FAILURES:
                    assert (await _login(attacker, user, "wrong-password"))[0] == 401
                    failures += 1
    assert failures == NAME_FAILURES
    async with _client(rig, "127.0.2.1") as fresh:
        status, body = await _login(fresh, user, password)  # a new address: the name is locked
        assert status == 429, body
    async with _client(rig, "127.0.0.9") as judge_pc:
        assert (await _login(judge_pc, user, password))[0] == 200  # where the judge works, it still works
    async with _client(rig, "127.0.2.2") as other:
        assert (await _login(other, USERS["clerk"][0], USERS["clerk"][1]))[0] == 200  # other names unaffected


async def test_absurd_login_input_is_refused_without_being_kept(rig: ConsoleRig) -> None:
    async with _client(rig, "127.0.0.6") as client:
        status, body = await _login(client, "x" * 2000, "guess-guess")
        assert status == 401
        status, body = await _login(client, "clerk1", "p" * 5000)
        assert status == 400 and "longer than 1024" in body["error"]["message"]
    await rig.journal.flush()
    rows = [e for e in await rig.journal.entries() if e.kind == "console_login_failed"]
    assert rows and all(len(str(e.data["user"])) <= 32 for e in rows)


@pytest.mark.parametrize("limit", ["-1", "1e20", "0", "2001", "1" * 5000, "abc", ""])
async def test_journal_limit_out_of_range_is_a_clear_400(rig: ConsoleRig, limit: str) -> None:
    client = await rig.session("technician")
    async with client, client.get("/api/journal", params={"limit": limit}) as response:
        body = await response.json()
        assert response.status == 400, body
        assert body["error"]["code"] == "BAD_REQUEST"
        message = body["error"]["message"]
        assert message.startswith("limit: ") and "is not a whole number from 1 to 2000" in message
        assert len(message) < 120  # a 5000-digit value is not echoed back


async def test_journal_query_in_range_and_scope(rig: ConsoleRig) -> None:
    client = await rig.session("technician")
    async with client:
        async with client.get("/api/journal", params={"limit": "2", "scope": "room"}) as response:
            assert response.status == 200
            assert len((await response.json())["entries"]) == 2
        async with client.get("/api/journal", params={"scope": "everything"}) as response:
            assert response.status == 400
            assert "scope: 'everything' is not hearing or room" in (await response.json())["error"]["message"]


def test_the_limiter_forgets_the_oldest_keys() -> None:
    now = [0.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    for i in range(3 * MAX_KEYS):
        now[0] += 0.001
        limiter.failed(f"user{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        if i % 7 == 0:
            limiter.succeeded(f"user{i}", "10.9.9.9")
    assert limiter.tracked() <= 4 * MAX_KEYS
