"""Settings read from files: every setting ``ABRI_X`` may instead be given as ``ABRI_X_FILE``, the path of a
file holding its value (a Kubernetes Secret mounted as a volume, a Docker secret), so that a secret need not
sit in the process's environment, where ``/proc/<pid>/environ``, crash reports and child processes see it.

The file's content is the value, one trailing newline removed; a setting that takes JSON (a list, a dict)
takes the same JSON in its file. Giving both ``ABRI_X`` and ``ABRI_X_FILE`` is refused, as is a file that
cannot be read: at start, naming the variable, never the value. A file is read again at each start, so a
rotated Secret takes effect with a rolling restart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

SUFFIX = "_FILE"


class SettingsFileError(ValueError):
    """A ``*_FILE`` variable that cannot be used."""


class FileVariables(PydanticBaseSettingsSource):
    """The settings whose ``<ENV NAME>_FILE`` variable names a file."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings_cls)
        self.environ = os.environ if environ is None else environ
        self.prefix = str(settings_cls.model_config.get("env_prefix", "")).upper()

    def variable(self, field_name: str) -> str:
        return f"{self.prefix}{field_name.upper()}"

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = self.variable(field_name)
        path = self.environ.get(variable + SUFFIX)
        if not path:
            return None, field_name, False
        if self.environ.get(variable):
            raise SettingsFileError(f"{variable} and {variable}{SUFFIX} are both set: give the value one way")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsFileError(f"{variable}{SUFFIX}: cannot read {path} ({exc.strerror or type(exc).__name__})") from None
        return text.removesuffix("\n").removesuffix("\r"), field_name, self.field_is_complex(field)

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, is_complex = self.get_field_value(field, field_name)
            if value is not None:
                try:
                    values[key] = self.prepare_field_value(field_name, field, value, is_complex)
                except ValueError as exc:  # JSON that does not parse
                    raise SettingsFileError(f"{self.variable(field_name)}{SUFFIX}: not valid JSON ({exc})") from None
        return values


class SettingsFromFiles(BaseSettings):
    """Settings whose every field may also come from a ``<ENV NAME>_FILE`` file. The sources, in order:
    values given in code, the environment, the files, then pydantic-settings' own."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, FileVariables(settings_cls), dotenv_settings, file_secret_settings
