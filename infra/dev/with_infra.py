"""Run a command with PostgreSQL (the data server and the key store), Kafka and Redis up, then stop what was started for it.

``python infra/dev/with_infra.py -- pytest ...`` (this is how ``make test`` runs the tests).
"""

from __future__ import annotations

import os
import subprocess
import sys

from stack import SERVICES, Stack, kafka_env, keystore_env, local_secrets, log, redis_url


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv[1:]
    if not command:
        log("usage: with_infra.py -- COMMAND [ARGS...]")
        return 2
    stack = Stack()
    try:
        stack.up()
        # the services' key store and erasure ledger URLs and Kafka credentials (each service its own principal, the
        # tests' own clients the admin's): the tests' services read them from the environment; the local Redis's URL as
        # ABRI_REDIS_URL (not the gateway's variable: each test chooses its gateways' store)
        env = {**os.environ, **keystore_env(), **kafka_env(), "ABRI_REDIS_URL": redis_url()}
        # the local keys (KEKs, access-log MAC keys) of the services that keep per-person keys: benches need them (the
        # others, listings and insights, have none: local_secrets gives them nothing)
        for service in SERVICES:
            for name, value in local_secrets(service).items():
                env.setdefault(name, value)
        return subprocess.run(command, check=False, env=env).returncode
    finally:
        stack.down()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
