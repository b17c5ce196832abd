"""Abri's local OpenID Connect provider, for ``make run`` and the tests only.

Built on authlib's authorization server (Flask integration) and served by waitress on 127.0.0.1: discovery,
JWKS, authorization code with PKCE (S256), refresh tokens that rotate, client credentials, RFC 9068 ``at+jwt``
access tokens, ID tokens, userinfo and RP-initiated logout. See ``infra/idp/README.md``.
"""

__version__ = "0.1.0"
