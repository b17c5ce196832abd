"""Settings of the assistant service, from ``ABRI_ASSISTANT_*``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from abri_assistant.domain.replies import ReplyPolicy
from abri_kit.settings import ServiceSettings


class AssistantSettings(ServiceSettings):
    """The assistant service's configuration, from ``ABRI_ASSISTANT_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_ASSISTANT_", extra="ignore", frozen=True)

    answer_min_score: float = Field(default=ReplyPolicy.min_score, ge=0, le=1, description="The least score an entry needs to answer")
    answer_min_margin: float = Field(default=ReplyPolicy.min_margin, ge=0, le=1, description="How far ahead of the next entry it must be")
    words_weight: float = Field(
        default=0.5, ge=0, le=1, description="The weight of the words in common against the letters (trigrams) in an entry's score"
    )

    def reply_policy(self) -> ReplyPolicy:
        return ReplyPolicy(min_score=self.answer_min_score, min_margin=self.answer_min_margin)
