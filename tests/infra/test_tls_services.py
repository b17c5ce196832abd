"""A service and the gateway over HTTPS: ``abri_kit.serve`` serves a component with the certificate and key its
``ABRI_<COMPONENT>_TLS_CERT_FILE``/``_TLS_KEY_FILE`` name (TLS 1.2 at least, a renewed certificate loaded
without a restart); the gateway checks the services' certificates against ``ABRI_GATEWAY_UPSTREAM_CA_FILE``
and refuses one from another CA. The service runs as a deployment runs it: its own process, started with
``python -m abri_kit.serve``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_kit import serve
from abri_kit.tls import ServerContext, ServerFiles, TlsConfigError, client_context
from tests.oidc_issuer import TestIssuer, serving
from tests.support import database_url, free_port, kafka_bootstrap
from tests.tls_certs import TestCa


@pytest.fixture(scope="module")
def cas(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestCa, TestCa]:
    directory = tmp_path_factory.mktemp("tls")
    return TestCa("abri-internal", directory), TestCa("another", directory)


@pytest.fixture(scope="module")
def listings(cas: tuple[TestCa, TestCa], issuer: TestIssuer) -> Iterator[str]:
    """The listings service in its own process, over HTTPS with a certificate of the internal CA."""
    cert, key = cas[0].issue("listings")
    port = free_port()
    env = {
        **os.environ,
        "ABRI_LISTINGS_DATABASE_URL": database_url("listings"),
        "ABRI_LISTINGS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "ABRI_LISTINGS_OIDC_ISSUER": issuer.issuer,
        "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS": "true",
        "ABRI_LISTINGS_RELAY_ENABLED": "false",
        "ABRI_LISTINGS_CONSUMER_ENABLED": "false",
        "ABRI_LISTINGS_TLS_CERT_FILE": str(cert),
        "ABRI_LISTINGS_TLS_KEY_FILE": str(key),
    }
    command = [sys.executable, "-m", "abri_kit.serve", "abri_listings.main:create_app", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"https://127.0.0.1:{port}"
    try:
        verify = client_context(cas[0].cert_file)
        for _ in range(300):
            if process.poll() is not None:
                raise AssertionError(f"the service stopped: {process.stderr.read() if process.stderr else ''}")
            try:
                if httpx.get(f"{url}/healthz", verify=verify, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            subprocess.run(["sleep", "0.1"], check=True)
        else:
            raise AssertionError("the service did not answer over HTTPS")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def gateway_settings(issuer: TestIssuer, listings: str, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {"oidc_issuer": issuer.issuer, "listings_url": listings, "rate_limit": "1000/minute", **overrides}
    return GatewaySettings(**values)


async def through_gateway(settings: GatewaySettings, token: str) -> httpx.Response:
    port = free_port()
    async with serving(create_gateway(settings), port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
        return await client.get("/api/listings/v1/me", headers={"authorization": f"Bearer {token}"})


def test_the_service_answers_over_https_only_with_tls_1_2_or_later(listings: str, cas: tuple[TestCa, TestCa]) -> None:
    response = httpx.get(f"{listings}/healthz", verify=client_context(cas[0].cert_file))
    assert response.status_code == 200 and response.json()["status"] == "ok"  # the probe's path works over HTTPS
    assert "server" not in response.headers
    cert, key = cas[0].issue("any")
    assert ServerContext(ServerFiles(str(cert), str(key))).context.minimum_version == ssl.TLSVersion.TLSv1_2
    with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP on the TLS port gets no answer
        httpx.get(listings.replace("https://", "http://") + "/healthz")


async def test_the_gateway_reaches_the_service_over_https_checking_it_against_the_internal_ca(
    listings: str, cas: tuple[TestCa, TestCa], issuer: TestIssuer
) -> None:
    settings = gateway_settings(issuer, listings, upstream_ca_file=str(cas[0].cert_file))
    response = await through_gateway(settings, issuer.token(sub="sw-tls", roles=["social_worker"], org_id="assoc-1"))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "sw-tls"


@pytest.mark.parametrize("trusted", ["another CA", "the public authorities"])
async def test_the_gateway_refuses_a_service_whose_certificate_its_ca_did_not_sign(
    listings: str, cas: tuple[TestCa, TestCa], issuer: TestIssuer, trusted: str
) -> None:
    ca_file = str(cas[1].cert_file) if trusted == "another CA" else None
    settings = gateway_settings(issuer, listings, upstream_ca_file=ca_file)
    response = await through_gateway(settings, issuer.token(sub="sw-tls", roles=["social_worker"], org_id="assoc-1"))
    assert response.status_code in (502, 503), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_each_component_reads_its_own_tls_variables_and_needs_both_files(cas: tuple[TestCa, TestCa]) -> None:
    assert serve.env_prefix("abri_listings.main:create_app") == "ABRI_LISTINGS_"
    assert serve.env_prefix("abri_gateway.app:create_app") == "ABRI_GATEWAY_"
    assert ServerFiles.from_environ("ABRI_GATEWAY_", {}) is None
    with pytest.raises(TlsConfigError, match="ABRI_GATEWAY_TLS_KEY_FILE"):
        ServerFiles.from_environ("ABRI_GATEWAY_", {"ABRI_GATEWAY_TLS_CERT_FILE": "/x.crt"})
    cert, _ = cas[0].issue("one")
    _, other_key = cas[0].issue("two")
    with pytest.raises(TlsConfigError, match="cannot use"):
        ServerContext(ServerFiles(str(cert), str(other_key)))  # a key that is not the certificate's
    with pytest.raises(TlsConfigError, match="cannot read"):
        ServerContext(ServerFiles(str(cert), "/nonexistent.key"))


async def tiny_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


def create_tiny_app() -> Any:
    return tiny_app


async def peer_serial(port: int, ca: TestCa) -> int:
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_context(ca.cert_file))
    cert = writer.get_extra_info("peercert")
    writer.close()
    return int(cert["serialNumber"], 16)


@pytest.fixture
async def served(tmp_path: Path, cas: tuple[TestCa, TestCa], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[int, Path, Path]]:
    """The tiny app served by abri_kit.serve's server over TLS, its certificate files looked at every 0.3 s."""
    monkeypatch.setattr(serve, "RELOAD_CHECK_TICKS", 3)
    cert, key = cas[0].issue("renewed-service")
    port = free_port()
    environ = {"TESTS_TLS_CERT_FILE": str(cert), "TESTS_TLS_KEY_FILE": str(key)}
    config, tls = serve.config("tests.infra.test_tls_services:create_tiny_app", host="127.0.0.1", port=port, environ=environ)
    server = serve.Server(config, tls)
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield port, cert, key
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


async def test_a_renewed_certificate_is_served_without_a_restart(served: tuple[int, Path, Path], cas: tuple[TestCa, TestCa]) -> None:
    port, cert, key = served
    first = await peer_serial(port, cas[0])
    renewed_cert, renewed_key = cas[0].issue("renewed-service-next")
    key.write_bytes(renewed_key.read_bytes())  # as a Secret volume's update: new files under the same names
    cert.write_bytes(renewed_cert.read_bytes())
    for _ in range(50):
        await asyncio.sleep(0.1)
        if await peer_serial(port, cas[0]) != first:
            break
    else:
        raise AssertionError("the renewed certificate was not served")


def handshake_serial(server: ssl.SSLContext, ca: TestCa) -> int:
    """The serial number of the certificate ``server`` presents, by a handshake in memory."""
    client = client_context(ca.cert_file)
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(to_client, to_server, server_hostname="127.0.0.1")
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    for _ in range(10):  # a few flights each way, bounded
        for side in (client_side, server_side):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        server_in.write(to_server.read())
        to_client.write(server_out.read())
        try:
            client_side.do_handshake()
            break
        except ssl.SSLWantReadError:
            continue
    peer = client_side.getpeercert()
    assert peer is not None
    return int(str(peer["serialNumber"]), 16)


def test_a_half_written_renewal_leaves_the_served_certificate_whole(cas: tuple[TestCa, TestCa]) -> None:
    cert, key = cas[0].issue("half-written")
    served = ServerContext(ServerFiles(str(cert), str(key)))
    before = handshake_serial(served.context, cas[0])
    other_cert, _ = cas[0].issue("half-written-next")
    cert.write_bytes(other_cert.read_bytes())  # the new certificate is there, its key not yet
    assert served.reload_if_changed() is False
    assert handshake_serial(served.context, cas[0]) == before  # still the previous pair, whole
