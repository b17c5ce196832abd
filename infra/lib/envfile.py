"""The generated credentials files of the local infrastructure (``KEY=value`` lines, mode 0600), read and
written the same way by every script of ``infra/`` (PostgreSQL, Redis, Kafka, the development stack).

The scripts run without the repository's packages, so they put this folder on their path
(``sys.path.insert(0, <infra/lib>)``) and import it as ``envfile``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def read_env_file(path: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of ``path`` (empty when it does not exist); comments and blank lines are
    skipped, an ``export`` prefix and quotes around a value are dropped."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def write_private_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` atomically with mode 0600 (its folder made 0700 if new)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode() if isinstance(content, str) else content)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
