"""The service's keyring (``app.state.keyring``), for the routes that seal or open a secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from abri_kit.envelope import KeyEncryption


def keyring_of(request: Request) -> KeyEncryption:
    keyring: KeyEncryption = request.app.state.keyring
    return keyring


Keys = Annotated[KeyEncryption, Depends(keyring_of)]
