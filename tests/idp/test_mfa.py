"""Strong authentication at the local provider (issue 19, point 4): TOTP enrolment with a QR code, recovery
codes, refusals (wrong, replayed, too many), acr/amr/auth_time in ID and access tokens and across refreshes,
acr_values step-up, max_age, prompt, the roles that must use a second factor, an owner who turns it on."""

from __future__ import annotations

import asyncio
import re
import stat
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from abri_idp import totp
from abri_idp.settings import Settings, SettingsError
from abri_idp.testing import Authorization as Granted
from abri_idp.testing import LocalIdp, LoginError, Pkce, client_credentials, exchange_code, login

pytestmark = pytest.mark.timeout(120)

WEB = "abri-web"
CALLBACK = "http://127.0.0.1:8000/callback"
PASSWORD = "urn:abri:loa:password"
MFA = "urn:abri:loa:mfa"


def subject_of(username: str) -> str:
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:abri:idp:subject"), username))


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIdp]:
    with LocalIdp(tmp_path_factory.mktemp("idp-mfa")) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A cookie jar of its own: one browser."""
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as http:
        yield http


def hidden_fields(page: str, step: str | None = None) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the page's form for ``step`` (the first form when None)."""
    for match in re.finditer(r'<form method="post" action="([^"]*)">(.*?)</form>', page, re.S):
        fields = {name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', match[2])}
        if step is None or fields.get("step") == step:
            return unescape(match[1]), fields
    raise AssertionError(f"no form for step {step!r} in:\n{page[:2000]}")


def step_of(page: httpx.Response) -> str:
    return hidden_fields(page.text)[1]["step"]


def alert(page: httpx.Response) -> str:
    found = re.search(r'role="alert">([^<]*)<', page.text)
    return unescape(found[1]) if found else ""


@dataclass
class Flow:
    """One authorization request driven page by page, as a browser would."""

    idp: LocalIdp
    http: httpx.AsyncClient
    pkce: Pkce
    state: str
    nonce: str

    @classmethod
    async def start(
        cls, idp: LocalIdp, http: httpx.AsyncClient, scope: str = "openid profile offline_access", **extra: str
    ) -> tuple[Flow, httpx.Response]:
        flow = cls(idp, http, Pkce.new(), uuid.uuid4().hex, uuid.uuid4().hex)
        params = {
            "response_type": "code",
            "client_id": WEB,
            "redirect_uri": CALLBACK,
            "scope": scope,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.pkce.challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        return flow, await http.get(f"{idp.issuer}/authorize", params=params)

    async def post(self, page: httpx.Response, step: str | None = None, **values: str) -> httpx.Response:
        action, fields = hidden_fields(page.text, step)
        return await self.http.post(f"{self.idp.issuer}{action}", data={**fields, **values})

    async def password(self, page: httpx.Response, username: str) -> httpx.Response:
        assert step_of(page) == "password", page.text[:500]
        return await self.post(page, username=username, password=self.idp.password(username))

    async def tokens(self, answer: httpx.Response) -> dict[str, Any]:
        assert answer.status_code == 302, (answer.status_code, alert(answer), answer.text[:500])
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["state"] == [self.state], query
        granted = Granted(query["code"][0], CALLBACK, self.pkce, self.state, self.nonce)
        return await exchange_code(self.idp.issuer, granted, WEB, self.idp.client_secret(WEB))


async def claims_of(idp: LocalIdp, tokens: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The claims of the ID token and of the access token, signatures checked."""
    async with httpx.AsyncClient(timeout=10) as http:
        keys = KeySet.import_key_set((await http.get(f"{idp.issuer}/jwks")).json())
    id_claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    access_claims = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"]).claims
    return dict(id_claims), dict(access_claims)


def assurance(claims: dict[str, Any]) -> tuple[str, list[str]]:
    return claims["acr"], claims["amr"]


# -- levels in tokens ------------------------------------------------------------------------------------------


async def test_discovery_names_the_two_levels(idp: LocalIdp) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        metadata = (await http.get(f"{idp.issuer}/.well-known/openid-configuration")).json()
    assert metadata["acr_values_supported"] == [PASSWORD, MFA]
    assert {"acr", "amr", "auth_time"} <= set(metadata["claims_supported"])


async def test_an_owner_signs_in_with_a_password_alone_and_the_tokens_say_so(idp: LocalIdp) -> None:
    before = int(time.time())
    tokens = await login(idp.issuer, "owner1", idp.password("owner1"), WEB, idp.client_secret(WEB), CALLBACK, "openid listings:read")
    id_claims, access = await claims_of(idp, tokens)
    for claims in (id_claims, access):
        assert assurance(claims) == (PASSWORD, ["pwd"])
        assert before <= claims["auth_time"] <= int(time.time())


@pytest.mark.parametrize("username", ["sw1", "agent1", "ops1"])
async def test_professionals_cannot_get_a_code_with_a_password_alone(idp: LocalIdp, browser: httpx.AsyncClient, username: str) -> None:
    flow, page = await Flow.start(idp, browser)
    answer = await flow.password(page, username)
    assert answer.status_code == 200 and "location" not in answer.headers
    assert step_of(answer) == "otp"
    assert 'autocomplete="one-time-code"' in answer.text and 'inputmode="numeric"' in answer.text
    assert '<label for="otp">' in answer.text and '<label for="recovery_code">' in answer.text
    # the sign-in session is not a password-level one either: a new request asks for the code again
    _, again = await Flow.start(idp, browser)
    assert again.status_code == 200 and step_of(again) == "password"


async def test_a_social_worker_gives_a_code_and_both_tokens_carry_mfa(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    flow, page = await Flow.start(idp, browser)
    code_page = await flow.password(page, "sw1")
    before = int(time.time())
    tokens = await flow.tokens(await flow.post(code_page, code=await idp.next_totp_code("sw1")))
    id_claims, access = await claims_of(idp, tokens)
    for claims in (id_claims, access):
        assert assurance(claims) == (MFA, ["pwd", "otp", "mfa"])
        assert before <= claims["auth_time"] <= int(time.time())
    assert id_claims["auth_time"] == access["auth_time"]
    # signed in at the provider with MFA: the next request of this browser gets a code at once, at the same level
    again_flow, again = await Flow.start(idp, browser)
    _, again_access = await claims_of(idp, await again_flow.tokens(again))
    assert assurance(again_access) == (MFA, ["pwd", "otp", "mfa"]) and again_access["auth_time"] == access["auth_time"]


async def test_a_refresh_keeps_the_original_level_and_auth_time(idp: LocalIdp) -> None:
    tokens = await login(idp.issuer, "agent2", idp.password("agent2"), WEB, idp.client_secret(WEB), CALLBACK, "openid offline_access")
    _, first = await claims_of(idp, tokens)
    await asyncio.sleep(1.1)
    async with httpx.AsyncClient(timeout=10) as http:
        refreshed = await http.post(
            f"{idp.issuer}/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(WEB, idp.client_secret(WEB)),
        )
    assert refreshed.status_code == 200, refreshed.text
    async with httpx.AsyncClient(timeout=10) as http:
        keys = KeySet.import_key_set((await http.get(f"{idp.issuer}/jwks")).json())
    second = jwt.decode(refreshed.json()["access_token"], keys, algorithms=["RS256"]).claims
    assert second["iat"] > first["iat"]
    assert (second["acr"], second["amr"], second["auth_time"]) == (MFA, ["pwd", "otp", "mfa"], first["auth_time"])


async def test_machine_tokens_carry_no_sign_in(idp: LocalIdp) -> None:
    token = await client_credentials(idp.issuer, "abri-tests", idp.client_secret("abri-tests"))
    claims = jwt.decode(token["access_token"], KeySet.import_key_set(await _jwks(idp)), algorithms=["RS256"]).claims  # type: ignore[arg-type]
    assert not {"acr", "amr", "auth_time"} & set(claims)


async def _jwks(idp: LocalIdp) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        jwks: dict[str, Any] = (await http.get(f"{idp.issuer}/jwks")).json()
    return jwks


# -- refusals --------------------------------------------------------------------------------------------------


async def test_a_wrong_code_is_refused_then_the_right_one_passes(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    flow, page = await Flow.start(idp, browser)
    code_page = await flow.password(page, "sw2")
    right = await idp.next_totp_code("sw2")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = await flow.post(code_page, code=wrong)
    assert refused.status_code == 400 and "not right" in alert(refused)
    assert 'aria-invalid="true"' in refused.text
    refused = await flow.post(code_page, code="12ab56")
    assert refused.status_code == 400
    tokens = await flow.tokens(await flow.post(refused, code=right))
    assert (await claims_of(idp, tokens))[1]["acr"] == MFA


async def test_a_code_is_accepted_once(idp: LocalIdp) -> None:
    code = await idp.next_totp_code("ops1")
    await login(idp.issuer, "ops1", idp.password("ops1"), WEB, idp.client_secret(WEB), CALLBACK, "openid", totp=code)
    with pytest.raises(LoginError, match="already used"):
        await login(idp.issuer, "ops1", idp.password("ops1"), WEB, idp.client_secret(WEB), CALLBACK, "openid", totp=code)


async def test_too_many_wrong_codes_make_the_person_wait(tmp_path: Path) -> None:
    env = {"ABRI_IDP_MFA_MAX_ATTEMPTS": "3", "ABRI_IDP_MFA_LOCKOUT_SECONDS": "3"}
    with LocalIdp(tmp_path / "idp", env=env) as idp:
        async with httpx.AsyncClient(timeout=10) as http:
            flow, page = await Flow.start(idp, http)
            code_page = await flow.password(page, "agent1")
            for _ in range(3):
                assert (await flow.post(code_page, code="000000")).status_code == 400
            locked = await flow.post(code_page, code=await idp.next_totp_code("agent1"))
            assert locked.status_code == 429 and "Too many wrong codes" in alert(locked)
            await asyncio.sleep(3.2)
            tokens = await flow.tokens(await flow.post(code_page, code=await idp.next_totp_code("agent1")))
    assert tokens["access_token"]


# -- enrolment and recovery codes ------------------------------------------------------------------------------


async def enrol(flow: Flow, page: httpx.Response) -> tuple[str, list[str], httpx.Response]:
    """On the enrolment page: a wrong code first, then the right one; returns (secret, recovery codes, page)."""
    assert step_of(page) == "enrol", page.text[:800]
    assert "<svg" in page.text and 'role="img"' in page.text and "<title>" in page.text
    assert "http" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", ""), "the QR code is inline"
    assert '<label for="new-otp">' in page.text and 'autocomplete="one-time-code"' in page.text
    secret = re.sub(r"\s", "", re.search(r'id="totp-secret"[^>]*>([^<]+)<', page.text)[1])  # type: ignore[index]
    refused = await flow.post(page, code="000000")
    assert refused.status_code == 400 and step_of(refused) == "enrol"
    assert re.sub(r"\s", "", re.search(r'id="totp-secret"[^>]*>([^<]+)<', refused.text)[1]) == secret  # type: ignore[index]
    shown = await flow.post(refused, code=pyotp.TOTP(secret).now())
    assert shown.status_code == 200 and step_of(shown) == "continue", shown.text[:800]
    codes = re.findall(r"<li>([a-z0-9]{4}-[a-z0-9]{4})</li>", shown.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes, shown


async def test_enrolment_then_recovery_codes_each_once(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    assert "removed" in idp.reset_mfa("sw2")
    flow, page = await Flow.start(idp, browser)
    enrolment = await flow.password(page, "sw2")
    assert "Your role requires a second step" in enrolment.text
    secret, codes, shown = await enrol(flow, enrolment)
    tokens = await flow.tokens(await flow.post(shown))  # "I have kept them, continue"
    assert (await claims_of(idp, tokens))[1]["amr"] == ["pwd", "otp", "mfa"]
    # kept in the state directory, readable by the provider's user only, the secret and the codes not in clear
    stored = (idp.directory / "mfa.json").read_text()
    assert stat.S_IMODE((idp.directory / "mfa.json").stat().st_mode) == 0o600
    assert secret not in stored and not any(code in stored or code.replace("-", "") in stored for code in codes)
    assert idp.mfa.secret(subject_of("sw2")) == secret and idp.mfa.recovery_codes_left(subject_of("sw2")) == 10
    # a recovery code instead of a TOTP code, once
    async with httpx.AsyncClient(timeout=10) as other:
        flow, page = await Flow.start(idp, other)
        code_page = await flow.password(page, "sw2")
        tokens = await flow.tokens(await flow.post(code_page, "recovery", recovery_code=codes[3].upper().replace("-", " ")))
    _, access = await claims_of(idp, tokens)
    assert assurance(access) == (MFA, ["pwd", "mfa"])
    assert idp.mfa.recovery_codes_left(subject_of("sw2")) == 9
    async with httpx.AsyncClient(timeout=10) as third:
        flow, page = await Flow.start(idp, third)
        code_page = await flow.password(page, "sw2")
        again = await flow.post(code_page, "recovery", recovery_code=codes[3])
        assert again.status_code == 400 and "each one works once" in alert(again)
        tokens = await flow.tokens(await flow.post(again, "recovery", recovery_code=codes[4]))
    assert tokens["access_token"]


async def test_a_password_alone_never_replaces_an_enrolled_second_factor(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    """Someone who knows sw1's password but not its authenticator posts the enrolment step instead of a code:
    refused, no new key shown, sw1's factor unchanged, and the stolen password leads to no session."""
    secret_before = idp.mfa.secret(subject_of("sw1"))
    assert secret_before is not None
    flow, page = await Flow.start(idp, browser)
    code_page = await flow.password(page, "sw1")
    assert step_of(code_page) == "otp"
    action, fields = hidden_fields(code_page.text)
    forged = await browser.post(f"{idp.issuer}{action}", data={**fields, "step": "enrol", "code": "000000"})
    assert forged.status_code == 400 and "otpauth" not in forged.text and "<svg" not in forged.text
    assert idp.mfa.secret(subject_of("sw1")) == secret_before
    action, fields = hidden_fields(forged.text)
    carry_on = await browser.post(f"{idp.issuer}{action}", data={**fields, "step": "continue"})
    assert carry_on.status_code == 400  # "continue" goes on only right after an enrolment


# -- step-up, max_age, prompt ----------------------------------------------------------------------------------


async def test_acr_values_mfa_steps_up_a_password_sign_in(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    flow, page = await Flow.start(idp, browser)
    tokens = await flow.tokens(await flow.password(page, "household1"))
    _, first = await claims_of(idp, tokens)
    assert first["acr"] == PASSWORD
    # prompt=none cannot step up: the client hears interaction_required
    _, silent = await Flow.start(idp, browser, acr_values=MFA, prompt="none")
    assert silent.status_code == 302 and parse_qs(urlsplit(silent.headers["location"]).query)["error"] == ["interaction_required"]
    # a household without a second factor is sent to enrolment, without typing the password again
    flow, enrolment = await Flow.start(idp, browser, acr_values=f"{PASSWORD} {MFA}")
    assert enrolment.status_code == 200
    _, _, shown = await enrol(flow, enrolment)
    _, stepped = await claims_of(idp, await flow.tokens(await flow.post(shown)))
    assert assurance(stepped) == (MFA, ["pwd", "otp", "mfa"]) and stepped["auth_time"] >= first["auth_time"]
    assert "Your role requires" not in enrolment.text
    # now enrolled, household1 is asked for a code at every sign-in (turned on)
    async with httpx.AsyncClient(timeout=10) as other:
        flow, page = await Flow.start(idp, other)
        assert step_of(await flow.password(page, "household1")) == "otp"
    idp.mfa.remove(subject_of("household1"))


async def test_acr_values_mfa_asks_an_enrolled_person_for_a_code(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    idp.mfa.enrol(subject_of("owner2"), idp.demo_totp_secret("owner2"), None, [])
    try:
        idp.mfa.remove(subject_of("owner2"))
        flow, page = await Flow.start(idp, browser)
        await flow.tokens(await flow.password(page, "owner2"))  # password alone
        idp.mfa.enrol(subject_of("owner2"), idp.demo_totp_secret("owner2"), None, [])  # turned on elsewhere
        flow, step_up = await Flow.start(idp, browser, acr_values=MFA)
        assert step_of(step_up) == "otp" and "needs a second step" in step_up.text
        _, access = await claims_of(idp, await flow.tokens(await flow.post(step_up, code=await idp.next_totp_code("owner2"))))
        assert access["acr"] == MFA
    finally:
        idp.mfa.remove(subject_of("owner2"))


async def test_max_age_and_prompt_login_ask_for_the_whole_sign_in_again(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    flow, page = await Flow.start(idp, browser)
    _, first = await claims_of(
        idp, await flow.tokens(await flow.post(await flow.password(page, "sw1"), code=await idp.next_totp_code("sw1")))
    )
    flow, recent = await Flow.start(idp, browser, max_age="3600")
    assert recent.status_code == 302
    await asyncio.sleep(1.1)
    flow, old = await Flow.start(idp, browser, max_age="1")
    assert old.status_code == 200 and step_of(old) == "password"
    code_page = await flow.password(old, "sw1")
    assert step_of(code_page) == "otp"
    _, again = await claims_of(idp, await flow.tokens(await flow.post(code_page, code=await idp.next_totp_code("sw1"))))
    assert again["auth_time"] > first["auth_time"] and again["acr"] == MFA
    _, forced = await Flow.start(idp, browser, prompt="login")
    assert forced.status_code == 200 and step_of(forced) == "password"


# -- turning it on and off -------------------------------------------------------------------------------------


async def test_an_owner_turns_it_on_then_off_on_the_account_page(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    url = f"{idp.issuer}/account/security"
    page = await browser.get(url)
    assert step_of(page) == "password"
    flow = Flow(idp, browser, Pkce.new(), "", "")
    account = await flow.password(page, "owner1")
    assert "Two-step verification is off" in account.text
    enrolment = await flow.post(account, "start-enrol")
    secret, _, shown = await enrol(flow, enrolment)
    account = await flow.post(shown)
    assert "Two-step verification is on. Recovery codes left: 10." in account.text
    tokens = await login(idp.issuer, "owner1", idp.password("owner1"), WEB, idp.client_secret(WEB), CALLBACK, "openid")
    assert (await claims_of(idp, tokens))[1]["acr"] == MFA, "once on, every sign-in of the owner asks for it"
    refused = await flow.post(account, "disable", code="000000")
    assert refused.status_code == 400
    off = await flow.post(refused, "disable", code=await idp.next_totp_code("owner1"))
    assert "Two-step verification is off." in off.text and not idp.mfa.is_enrolled(subject_of("owner1"))
    assert secret


async def test_roles_that_require_it_cannot_turn_it_off(idp: LocalIdp, browser: httpx.AsyncClient) -> None:
    page = await browser.get(f"{idp.issuer}/account/security?lang=fr")
    flow = Flow(idp, browser, Pkce.new(), "", "")
    code_page = await flow.password(page, "agent1")
    assert '<html lang="fr"' in code_page.text and "Vérification en deux étapes" in code_page.text
    account = await flow.post(code_page, code=await idp.next_totp_code("agent1"))
    assert "Votre rôle l'exige" in unescape(account.text) and 'name="step" value="disable"' not in account.text
    _, fields = hidden_fields(code_page.text)  # the same CSRF token: the account page has no form here
    refused = await browser.post(
        f"{idp.issuer}/account/security", data={**fields, "step": "disable", "code": await idp.next_totp_code("agent1")}
    )
    assert refused.status_code == 400 and idp.mfa.is_enrolled(subject_of("agent1"))


# -- languages, development display, settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ui_locales", "lang", "direction", "words"), [("ar", "ar", "rtl", "التحقق بخطوتين"), ("uk fr", "uk", "ltr", "Двоетапна перевірка")]
)
async def test_the_code_page_speaks_the_asked_language(
    idp: LocalIdp, browser: httpx.AsyncClient, ui_locales: str, lang: str, direction: str, words: str
) -> None:
    flow, page = await Flow.start(idp, browser, ui_locales=ui_locales)
    assert f'<html lang="{lang}" dir="{direction}">' in page.text
    code_page = await flow.password(page, "ops1")
    assert words in code_page.text


async def test_the_development_display_shows_a_usable_code_of_demo_people(tmp_path: Path) -> None:
    with LocalIdp(tmp_path / "plain") as plain:
        async with httpx.AsyncClient(timeout=10) as http:
            flow, page = await Flow.start(plain, http)
            assert "dev-totp" not in (await flow.password(page, "sw1")).text, "off unless asked for"
    with LocalIdp(tmp_path / "dev", env={"ABRI_IDP_DEV_SHOW_TOTP": "1"}) as dev:
        async with httpx.AsyncClient(timeout=10) as http:
            flow, page = await Flow.start(dev, http)
            code_page = await flow.password(page, "sw1")
            shown = re.search(r'id="dev-totp-code">([0-9]{6})<', code_page.text)
            assert shown is not None
            step = totp.matching_step(dev.demo_totp_secret("sw1"), shown[1], time.time())
            assert step is not None and step not in dev.mfa.used_steps(subject_of("sw1"))
            assert (await flow.tokens(await flow.post(code_page, code=shown[1])))["access_token"]


def test_the_roles_that_require_it_are_a_setting() -> None:
    assert Settings.from_env({}).mfa_roles == ("social_worker", "fund_agent", "ops")
    assert Settings.from_env({"ABRI_IDP_MFA_ROLES": "ops, owner"}).mfa_roles == ("ops", "owner")
    assert Settings.from_env({"ABRI_IDP_MFA_ROLES": ""}).mfa_roles == ()
    with pytest.raises(SettingsError, match="unknown roles"):
        Settings.from_env({"ABRI_IDP_MFA_ROLES": "admin"})
    with pytest.raises(SettingsError, match="ABRI_IDP_DEV_SHOW_TOTP"):
        Settings.from_env({"ABRI_IDP_DEV_SHOW_TOTP": "maybe"})


def test_totp_window_and_usable_steps() -> None:
    secret = totp.new_secret()
    now = 1_000_000_005.0  # 5 s into a step
    step = totp.step_at(now)
    assert [totp.matching_step(secret, totp.code_at_step(secret, s), now) for s in (step - 2, step - 1, step, step + 1, step + 2)] == [
        None,
        step - 1,
        step,
        step + 1,
        None,
    ]
    assert totp.matching_step(secret, "", now) is None
    assert totp.usable_step(now, set()) == step
    assert totp.usable_step(now, {step}) == step + 1
    assert totp.usable_step(now, {step, step + 1}) == step - 1
    assert totp.usable_step(now, {step - 1, step, step + 1}) is None
    assert pyotp.TOTP(secret).at(now) == totp.code_at_step(secret, step), "the codes of every authenticator app"
