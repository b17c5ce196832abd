"""Abri's service kit: what every service needs and writes the same way.

Settings (:mod:`abri_kit.settings`), the database engine (:mod:`abri_kit.db`), the app factory with
``/healthz``, ``/readyz`` and ``/metrics`` (:mod:`abri_kit.app`), RFC 9457 problem details
(:mod:`abri_kit.problems`) and OpenTelemetry setup (:mod:`abri_kit.telemetry`). For services that
hold personal data: envelope encryption with crypto-shredding (:mod:`abri_kit.envelope`) and the
hash-chained log of who read them (:mod:`abri_kit.access_log`).
"""

# libpq's sslmode/sslrootcert in database URLs, for every asyncpg engine of the process (abri_kit.pg_ssl)
from abri_kit import pg_ssl as _pg_ssl  # noqa: F401
