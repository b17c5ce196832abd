"""``abri-ops keys`` with the KEK in a transit engine (Abri's development transit server): values wrapped by a
local KEK moved to transit, the transit key rotated and every value re-wrapped to its latest version, usage
then naming only that version; an unreachable engine stops the command clearly and changes nothing.
Real PostgreSQL (a notifications database and a key store of the module's own), the real command line."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from abri_kit.envelope import Keyring
from abri_kit.transit import TransitKeys
from abri_notifications.settings import KEYRING
from tests.ops.test_key_rotation import CLI, OLD, PEOPLE, migrated_db, notifications_db, opened, own_keystore, seed
from tests.support import free_port
from tests.transit_server import TransitServer, running_transit

__all__ = ["migrated_db", "notifications_db", "own_keystore"]  # the fixtures, shared with the local KEKs' rotation tests
KEY = "abri-notifications"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransitServer]:
    with running_transit(tmp_path_factory.mktemp("transit-ops")) as running:
        running.create_key(KEY)
        yield running


async def abri_ops(db: str, keystore: str, transit: dict[str, str], *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABRI_NOTIFICATIONS_KEK")}
    env |= {"ABRI_NOTIFICATIONS_DATABASE_URL": db, "ABRI_NOTIFICATIONS_KEYSTORE_URL": keystore, **transit}
    process = await asyncio.create_subprocess_exec(CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_local_keks_move_to_transit_then_a_rotated_transit_key_is_rewrapped_to_its_latest_version(
    notifications_db: str, own_keystore: str, server: TransitServer, tmp_path: Path
) -> None:
    plain = await seed(notifications_db, Keyring.parse(OLD, KEYRING.namespace))
    token_file = tmp_path / "token"
    token_file.write_text(server.token + "\n")
    transit = {
        "ABRI_NOTIFICATIONS_KEKS": OLD,  # kept beside transit until everything it wrapped has moved
        "ABRI_NOTIFICATIONS_KEK_TRANSIT_URL": server.url,
        "ABRI_NOTIFICATIONS_KEK_TRANSIT_TOKEN_FILE": str(token_file),
    }
    version = int(server.request("GET", f"transit/keys/{KEY}").json()["data"]["latest_version"])
    current = f"transit:{KEY}:v{version}"

    code, out, err = await abri_ops(notifications_db, own_keystore, transit, "keys", "rotate", "notifications", "--json")
    assert code == 0, err
    moved = json.loads(out)
    assert moved["current"] == current and moved["rewrapped"] == PEOPLE + 1 and moved["complete"] and not moved["failures"]
    transit_only = TransitKeys(server.config(KEY), KEYRING.namespace)  # no local KEK: what moved opens without it
    try:
        assert await opened(notifications_db, transit_only) == {owner: (current, value) for owner, value in plain.items()}

        rotated = f"transit:{KEY}:v{server.rotate(KEY)}"  # ops: vault write -f transit/keys/abri-notifications/rotate
        del transit["ABRI_NOTIFICATIONS_KEKS"]
        code, out, _ = await abri_ops(notifications_db, own_keystore, transit, "keys", "status", "notifications", "--json")
        assert code == 0 and json.loads(out)["current"] == rotated
        assert json.loads(out)["tables"] == {"keystore:person": {}, "people": {current: PEOPLE}, "webhook_endpoints": {current: 1}}

        code, out, err = await abri_ops(notifications_db, own_keystore, transit, "keys", "rotate", "notifications", "--batch-size", "3")
        assert code == 0, err
        assert f"{PEOPLE + 1} re-wrapped under {rotated}" in out and "complete" in out
        code, out, _ = await abri_ops(notifications_db, own_keystore, transit, "keys", "status", "notifications", "--json")
        assert json.loads(out)["tables"] == {"keystore:person": {}, "people": {rotated: PEOPLE}, "webhook_endpoints": {rotated: 1}}
        assert await opened(notifications_db, transit_only) == {owner: (rotated, value) for owner, value in plain.items()}
        for row in (server.directory / "keys" / "transit" / f"{KEY}.json").read_text(), out:
            assert all(value.decode() not in row for value in plain.values())
    finally:
        await transit_only.aclose()


async def test_an_unreachable_engine_stops_the_rotation_clearly_and_changes_nothing(
    notifications_db: str, own_keystore: str, server: TransitServer
) -> None:
    plain = await seed(notifications_db, Keyring.parse(OLD, KEYRING.namespace))
    down = {
        "ABRI_NOTIFICATIONS_KEKS": OLD,
        "ABRI_NOTIFICATIONS_KEK_TRANSIT_URL": f"http://127.0.0.1:{free_port()}",
        "ABRI_NOTIFICATIONS_KEK_TRANSIT_TOKEN": "s.secret-token",
        "ABRI_NOTIFICATIONS_KEK_TRANSIT_TIMEOUT_S": "2",
    }
    code, out, err = await abri_ops(notifications_db, own_keystore, down, "keys", "rotate", "notifications")
    assert code == 2 and "abri-ops: the key service at http://127.0.0.1:" in err and "unreachable" in err
    assert "s.secret-token" not in out + err
    assert await opened(notifications_db, Keyring.parse(OLD, KEYRING.namespace)) == {
        owner: ("old", value) for owner, value in plain.items()
    }
    refused = {**down, "ABRI_NOTIFICATIONS_KEK_TRANSIT_URL": server.url, "ABRI_NOTIFICATIONS_KEK_TRANSIT_TOKEN": "s.revoked"}
    code, out, err = await abri_ops(notifications_db, own_keystore, refused, "keys", "rotate", "notifications")
    assert code == 2 and "403 permission denied" in err and "ABRI_NOTIFICATIONS_KEK_TRANSIT_TOKEN" in err and "s.revoked" not in err
    assert await opened(notifications_db, Keyring.parse(OLD, KEYRING.namespace)) == {
        owner: ("old", value) for owner, value in plain.items()
    }
