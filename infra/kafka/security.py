#!/usr/bin/env python3
"""The local broker's security material, generated at first start like the identity provider's keys.

``security.py ensure <run dir>`` writes, once, under ``<run dir>/security/`` (mode 0600, never in the repo):

- ``ca.pem`` / ``ca.key``: a private certificate authority for this machine's broker only;
- ``broker.pem``: the broker's private key (PKCS#8) and certificate chain, valid for ``127.0.0.1`` and
  ``localhost``, which Kafka reads as a PEM key store (``ssl.keystore.type=PEM``); it also serves as the
  broker's client certificate on the controller listener (mutual TLS);
- ``credentials.env``: one SCRAM-SHA-512 password per principal: ``admin`` (the broker itself and the
  tools; a super user) and one per service (``abri_contracts.services``: ``listings``, ``matching``,
  ``guarantees``, ``notifications``, ``assistant``, ``insights``), as ``ABRI_KAFKA_<PRINCIPAL>_PASSWORD``.

``security.py scram-args <run dir>`` prints the ``--add-scram`` arguments that bootstrap those users when
the data dir is formatted (KRaft stores SCRAM credentials in its metadata log); ``admin-config <run dir>``
writes the admin client's properties for Kafka's Java tools (ACLs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from abri_contracts.services import SERVICES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # infra/lib: helpers shared by the scripts
from envfile import read_env_file, write_private_file

PRINCIPALS = ("admin", *SERVICES)
"""SCRAM users of the local broker: the super user, then one per service."""
BROKER_SUBJECT = "abri-kafka-broker"
"""The broker certificate's common name: the principal ``User:CN=abri-kafka-broker`` on the controller
listener, where only the broker itself connects (with this certificate)."""
MECHANISM = "SCRAM-SHA-512"
VALIDITY = dt.timedelta(days=3650)  # a local CA: the time-shifted test runs move the clocks years ahead


def security_dir(run_dir: Path) -> Path:
    return run_dir / "security"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Abri (local)"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _certificates(now: dt.datetime) -> tuple[bytes, bytes, bytes]:
    """(CA certificate, CA key, broker key + chain), all PEM."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Abri local Kafka CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    broker_key = ec.generate_private_key(ec.SECP256R1())
    broker = (
        x509.CertificateBuilder()
        .subject_name(_name(BROKER_SUBJECT))
        .issuer_name(ca_name)
        .public_key(broker_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    return ca_pem, _pem_key(ca_key), _pem_key(broker_key) + broker.public_bytes(serialization.Encoding.PEM) + ca_pem


def read_credentials(run_dir: Path) -> dict[str, str]:
    return read_env_file(security_dir(run_dir) / "credentials.env")


def password_key(principal: str) -> str:
    return f"ABRI_KAFKA_{principal.upper()}_PASSWORD"


def ensure(run_dir: Path) -> bool:
    """Create what is missing; True when something was created (the data dir must then be formatted anew,
    since its SCRAM users come from the credentials)."""
    directory = security_dir(run_dir)
    created = False
    if not (directory / "ca.pem").exists() or not (directory / "broker.pem").exists():
        ca_pem, ca_key, broker = _certificates(dt.datetime.now(dt.UTC))
        write_private_file(directory / "ca.key", ca_key)
        write_private_file(directory / "broker.pem", broker)
        write_private_file(directory / "ca.pem", ca_pem)
        created = True
    credentials = read_credentials(run_dir)
    missing = [principal for principal in PRINCIPALS if password_key(principal) not in credentials]
    if missing:
        credentials |= {password_key(principal): secrets.token_urlsafe(32) for principal in missing}
        lines = [
            "# The local Kafka broker's SCRAM-SHA-512 passwords, generated at first start (infra/kafka/security.py).",
            *(f"{key}={value}" for key, value in sorted(credentials.items())),
        ]
        write_private_file(directory / "credentials.env", ("\n".join(lines) + "\n").encode())
        created = True
    return created


def scram_args(run_dir: Path) -> list[str]:
    credentials = read_credentials(run_dir)
    arguments: list[str] = []
    for principal in PRINCIPALS:
        arguments += ["--add-scram", f"{MECHANISM}=[name={principal},password={credentials[password_key(principal)]}]"]
    return arguments


def admin_config(run_dir: Path) -> Path:
    """The admin's client properties for Kafka's Java tools (written next to the credentials)."""
    directory = security_dir(run_dir)
    password = read_credentials(run_dir)[password_key("admin")]
    lines = [
        "security.protocol=SASL_SSL",
        f"sasl.mechanism={MECHANISM}",
        f'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="{password}";',
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={directory / 'ca.pem'}",
    ]
    path = directory / "admin.properties"
    write_private_file(path, ("\n".join(lines) + "\n").encode())
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["ensure", "scram-args", "admin-config", "admin-password"])
    parser.add_argument("run_dir", type=Path)
    options = parser.parse_args(argv)
    if options.command == "ensure":
        print("created" if ensure(options.run_dir) else "present")
    elif options.command == "scram-args":
        print("\0".join(scram_args(options.run_dir)), end="")
    elif options.command == "admin-config":
        print(admin_config(options.run_dir))
    else:
        print(read_credentials(options.run_dir)[password_key("admin")])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
