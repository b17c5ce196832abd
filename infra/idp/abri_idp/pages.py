"""The few HTML pages a person sees: sign-in, sign-out confirmation, and short messages. Every value is
escaped; forms carry the CSRF token; every field has a visible label."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #6b6b6b;border-radius:.25rem}
input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:.25rem}
.note{font-size:.9rem;color:#4a4a4a}
.error{color:#a4141c;font-weight:600}
"""

DEV_NOTE = (
    '<p class="note">Abri development identity provider: demo accounts only. Their passwords: <code>python -m abri_idp env</code>.</p>'
)


def document(title: str, body: str) -> str:
    """A complete page."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def login_page(*, action: str, csrf_token: str, client_name: str, username: str = "", error: str | None = None) -> str:
    """The sign-in form (username and password), posted back to ``action``."""
    alert = f'<p id="login-error" class="error" role="alert">{escape(error)}</p>' if error else ""
    invalid = ' aria-invalid="true" aria-describedby="login-error"' if error else ""
    body = (
        f"<h1>Sign in to {escape(client_name)}</h1>{DEV_NOTE}{alert}"
        f'<form method="post" action="{escape(action)}">{_hidden({"csrf_token": csrf_token})}'
        '<label for="username">Username</label>'
        f'<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" '
        f'spellcheck="false" required value="{escape(username)}"{invalid}>'
        '<label for="password">Password</label>'
        f'<input id="password" name="password" type="password" autocomplete="current-password" required{invalid}>'
        '<button type="submit">Sign in</button></form>'
    )
    return document(f"Sign in to {client_name}", body)


def logout_page(*, action: str, csrf_token: str, fields: Mapping[str, str], client_name: str | None) -> str:
    """Asks the person to confirm signing out (a logout request without ``id_token_hint``)."""
    where = f" and return to {escape(client_name)}" if client_name else ""
    body = (
        f"<h1>Sign out</h1><p>Sign out of the Abri development identity provider{where}?</p>"
        f'<form method="post" action="{escape(action)}">{_hidden({"csrf_token": csrf_token, **fields})}'
        '<button type="submit">Sign out</button></form>'
    )
    return document("Sign out", body)


def message_page(title: str, text: str) -> str:
    """A title and a sentence (signed out, or an error that cannot go back to the client)."""
    return document(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")
