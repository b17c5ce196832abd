"""Abri's gateway: every request of every user and partner system enters here.

It checks the bearer token (or the browser's session), applies scopes, rate and size limits, and
forwards the request, streamed, to the service that owns the path (``/api/<service>/...``).
"""
