"""``python -m abri_idp serve | rotate-keys | env | reset-mfa USERNAME``."""

from __future__ import annotations

import argparse
import sys
import time

from abri_idp.keys import rotate_keys
from abri_idp.mfa import MFA_KEY, MfaStore
from abri_idp.provider import PRIVATE_CREDENTIALS, provision
from abri_idp.settings import Settings, SettingsError
from abri_idp.users import DEMO_USERS


def main(argv: list[str] | None = None) -> int:
    """Run one command; the configuration comes from ``ABRI_IDP_*`` variables."""
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="python -m abri_idp", description="Abri's local OpenID Connect provider.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve on ABRI_IDP_HOST:ABRI_IDP_PORT (127.0.0.1:8100)")
    commands.add_parser("rotate-keys", help="add a new signing key; the previous one stays published")
    commands.add_parser("env", help="print the client secrets, demo passwords and demo TOTP secrets as KEY=value lines")
    reset = commands.add_parser("reset-mfa", help="remove a person's second factor (lost phone): they enrol again at next sign-in")
    reset.add_argument("username")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"abri_idp: {error}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from abri_idp.serve import serve  # Flask and authlib are imported only to serve

        serve(settings, started=started)
    elif args.command == "rotate-keys":
        kid, published = rotate_keys(settings.directory)
        print(f"new signing key: {kid}")
        print(f"published: {' '.join(published)}")
    elif args.command == "reset-mfa":
        user = next((user for user in DEMO_USERS if user.username == args.username), None)
        if user is None:
            print(f"abri_idp: no person named {args.username!r}", file=sys.stderr)
            return 2
        credentials = provision(settings)
        removed = MfaStore(settings.directory, credentials[MFA_KEY]).remove(user.subject)
        print(f"{args.username}: second factor {'removed' if removed else 'was not set'}")
    else:
        credentials = provision(settings)
        for key, value in credentials.items():
            if key not in PRIVATE_CREDENTIALS:
                print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
