"""What the routes take from the app (``main.py`` sets it): the keyring that wraps the conversations' keys,
the reply policy (the thresholds of an answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from abri_assistant.domain.replies import ReplyPolicy
from abri_kit.envelope import KeyEncryption


def keyring_of(request: Request) -> KeyEncryption:
    keyring: KeyEncryption = request.app.state.keyring
    return keyring


def reply_policy_of(request: Request) -> ReplyPolicy:
    policy: ReplyPolicy = request.app.state.reply_policy
    return policy


Keys = Annotated[KeyEncryption, Depends(keyring_of)]
Policy = Annotated[ReplyPolicy, Depends(reply_policy_of)]
