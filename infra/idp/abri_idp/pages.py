"""The HTML pages a person sees: sign-in, the second step (a code, or a recovery code), enrolment with its QR
code, the recovery codes, account security, sign-out confirmation and short messages. Every value is escaped;
forms carry the CSRF token and say which step they are (``step``); every field has a visible label; code
fields are ``inputmode="numeric"`` with ``autocomplete="one-time-code"``. Texts: ``abri_idp.texts``."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from abri_idp.texts import RIGHT_TO_LEFT, text

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}
h2{font-size:1.1rem}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #6b6b6b;border-radius:.25rem}
input:focus,button:focus,summary:focus,a:focus{outline:3px solid #1d4ed8;outline-offset:2px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:.25rem}
button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}
details{margin-top:2rem}summary{cursor:pointer;color:#1d4ed8}
.note{font-size:.9rem;color:#4a4a4a}
.error{color:#a4141c;font-weight:600}
.dev{background:#fff4ce;padding:.5rem;border-radius:.25rem}
.secret,.codes{font-family:ui-monospace,monospace;font-size:1.1rem;letter-spacing:.05em;direction:ltr;unicode-bidi:isolate}
.codes{columns:2;padding-inline-start:1.5rem}
svg.qr{display:block;margin:1rem auto;max-width:100%;height:auto}
"""

ONE_TIME_CODE = 'type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required'


def document(title: str, body: str, language: str = "en") -> str:
    """A complete page."""
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return (
        f'<!doctype html>\n<html lang="{escape(language)}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _form(action: str, csrf_token: str, step: str, inner: str, *, extra: Mapping[str, str] | None = None) -> str:
    fields = {"csrf_token": csrf_token, "step": step, **(extra or {})}
    return f'<form method="post" action="{escape(action)}">{_hidden(fields)}{inner}</form>'


def _alert(error: str | None, ident: str) -> tuple[str, str]:
    """The alert paragraph and the attributes that tie a field to it."""
    if not error:
        return "", ""
    return f'<p id="{ident}" class="error" role="alert">{escape(error)}</p>', f' aria-invalid="true" aria-describedby="{ident}"'


def login_page(
    *, action: str, csrf_token: str, client_name: str, language: str, username: str = "", error: str | None = None, note: str | None = None
) -> str:
    """The sign-in form (username and password), posted back to ``action``."""
    alert, invalid = _alert(error, "login-error")
    title = text(language, "sign_in_to", client=client_name)
    body = (
        f'<h1>{escape(title)}</h1><p class="note">{_dev_note(language)}</p>'
        + (f"<p>{escape(note)}</p>" if note else "")
        + alert
        + _form(
            action,
            csrf_token,
            "password",
            f'<label for="username">{escape(text(language, "username"))}</label>'
            f'<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" '
            f'spellcheck="false" required value="{escape(username)}"{invalid}>'
            f'<label for="password">{escape(text(language, "password"))}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required{invalid}>'
            f'<button type="submit">{escape(text(language, "sign_in"))}</button>',
        )
    )
    return document(title, body, language)


def _dev_note(language: str) -> str:
    marker = "\x00"
    return escape(text(language, "dev_note", command=marker)).replace(marker, "<code>python -m abri_idp env</code>")


def code_page(
    *,
    action: str,
    csrf_token: str,
    language: str,
    name: str,
    error: str | None = None,
    recovery_error: str | None = None,
    step_up: bool = False,
    dev_code: str | None = None,
) -> str:
    """The second step: a code from the authenticator app, or (folded) a recovery code."""
    alert, invalid = _alert(error, "otp-error")
    recovery_alert, recovery_invalid = _alert(recovery_error, "recovery-error")
    title = text(language, "otp_title")
    dev = (
        f'<p class="dev" id="dev-totp">{escape(text(language, "dev_code"))} <code id="dev-totp-code">{escape(dev_code)}</code></p>'
        if dev_code
        else ""
    )
    body = (
        f"<h1>{escape(title)}</h1>"
        + (f"<p>{escape(text(language, 'otp_stepup'))}</p>" if step_up else "")
        + f"<p>{escape(text(language, 'otp_intro', name=name))}</p>{dev}{alert}"
        + _form(
            action,
            csrf_token,
            "otp",
            f'<label for="otp">{escape(text(language, "otp_label"))}</label>'
            f'<input id="otp" name="code" {ONE_TIME_CODE} autofocus{invalid}>'
            f'<button type="submit">{escape(text(language, "verify"))}</button>',
        )
        + f"<details{' open' if recovery_error else ''}><summary>{escape(text(language, 'recovery_legend'))}</summary>{recovery_alert}"
        + _form(
            action,
            csrf_token,
            "recovery",
            f'<label for="recovery_code">{escape(text(language, "recovery_label"))}</label>'
            f'<input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" '
            f'spellcheck="false" required{recovery_invalid}>'
            f'<button type="submit" class="secondary">{escape(text(language, "use_recovery"))}</button>',
        )
        + "</details>"
    )
    return document(title, body, language)


def enrol_page(*, action: str, csrf_token: str, language: str, secret: str, qr_svg: str, required: bool, error: str | None = None) -> str:
    """Enrolment: the QR code (inline SVG), the key as text, and a field for the first code, which confirms it."""
    alert, invalid = _alert(error, "enrol-error")
    title = text(language, "enrol_title")
    steps = "".join(f"<li>{escape(text(language, key))}</li>" for key in ("enrol_step1", "enrol_step2", "enrol_step3"))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    body = (
        f"<h1>{escape(title)}</h1>"
        + (f"<p>{escape(text(language, 'enrol_required'))}</p>" if required else "")
        + f"<ol>{steps}</ol><figure>{qr_svg}</figure>"
        + f'<p>{escape(text(language, "secret_label"))}: <code id="totp-secret" class="secret">{escape(grouped)}</code></p>'
        + alert
        + _form(
            action,
            csrf_token,
            "enrol",
            f'<label for="new-otp">{escape(text(language, "otp_label"))}</label>'
            f'<input id="new-otp" name="code" {ONE_TIME_CODE}{invalid}>'
            f'<button type="submit">{escape(text(language, "turn_on"))}</button>',
        )
    )
    return document(title, body, language)


def recovery_codes_page(*, action: str, csrf_token: str, language: str, codes: list[str]) -> str:
    """The ten recovery codes, shown once, and a button to go on."""
    title = text(language, "codes_title")
    items = "".join(f"<li>{escape(code)}</li>" for code in codes)
    body = (
        f"<h1>{escape(title)}</h1><p>{escape(text(language, 'codes_intro'))}</p>"
        f'<ol id="recovery-codes" class="codes">{items}</ol>'
        + _form(action, csrf_token, "continue", f'<button type="submit">{escape(text(language, "continue"))}</button>')
    )
    return document(title, body, language)


def account_page(
    *,
    action: str,
    csrf_token: str,
    language: str,
    name: str,
    enrolled: bool,
    required: bool,
    codes_left: int,
    back_url: str | None,
    message: str | None = None,
    error: str | None = None,
) -> str:
    """Account security: whether two-step verification is on, and the button to turn it on or off."""
    title = text(language, "account_title")
    alert, invalid = _alert(error, "account-error")
    parts = [f"<h1>{escape(title)}</h1><p>{escape(name)}</p>"]
    if message:
        parts.append(f'<p role="status">{escape(message)}</p>')
    if enrolled:
        parts.append(f'<p id="mfa-status">{escape(text(language, "status_on", count=codes_left))}</p>')
        if required:
            parts.append(f"<p>{escape(text(language, 'required_note'))}</p>")
        else:
            parts.append(
                f"<h2>{escape(text(language, 'turn_off_mfa'))}</h2>{alert}"
                + _form(
                    action,
                    csrf_token,
                    "disable",
                    f'<label for="otp">{escape(text(language, "turn_off_label"))}</label>'
                    f'<input id="otp" name="code" {ONE_TIME_CODE}{invalid}>'
                    f'<button type="submit" class="secondary">{escape(text(language, "turn_off_mfa"))}</button>',
                )
            )
    else:
        parts.append(f'<p id="mfa-status">{escape(text(language, "status_off"))}</p>{alert}')
        parts.append(_form(action, csrf_token, "start-enrol", f'<button type="submit">{escape(text(language, "turn_on_mfa"))}</button>'))
    if back_url:
        parts.append(f'<p><a href="{escape(back_url)}">{escape(text(language, "back"))}</a></p>')
    return document(title, "".join(parts), language)


def logout_page(*, action: str, csrf_token: str, fields: Mapping[str, str], client_name: str | None, language: str = "en") -> str:
    """Asks the person to confirm signing out (a logout request without ``id_token_hint``)."""
    title = text(language, "sign_out")
    question = text(language, "sign_out_question_to", client=client_name) if client_name else text(language, "sign_out_question")
    body = (
        f"<h1>{escape(title)}</h1><p>{escape(question)}</p>"
        f'<form method="post" action="{escape(action)}">{_hidden({"csrf_token": csrf_token, **fields})}'
        f'<button type="submit">{escape(title)}</button></form>'
    )
    return document(title, body, language)


def message_page(title: str, message: str, language: str = "en") -> str:
    """A title and a sentence (signed out, or an error that cannot go back to the client)."""
    return document(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>", language)
