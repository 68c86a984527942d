"""The analyst's config.toml (platformdirs config dir): name, theme, default watchlist, key remaps."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

CONFIG_ENV = "WORKSTATION_CONFIG"
APP_DIR_NAME = "research-workstation"
_KNOWN_KEYS = {"analyst", "theme", "default_watchlist", "keys"}


class ConfigError(ValueError):
    """config.toml cannot be used; the message names the file and, where known, the line and column."""


@dataclass(frozen=True, slots=True)
class UserConfig:
    """What the analyst set; every field has a sensible default when the file is missing."""

    analyst: str | None = None
    theme: str | None = None
    default_watchlist: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    warnings: tuple[str, ...] = ()


def config_path() -> Path:
    """WORKSTATION_CONFIG, else config.toml in the platform's user config directory."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override) if override else platformdirs.user_config_path(APP_DIR_NAME) / "config.toml"


def load_config(path: Path | None = None) -> UserConfig:
    """Read config.toml; a missing file is an empty config, a broken one a ConfigError naming the place."""
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserConfig(path=path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    return _from_toml(raw, path)


def _from_toml(raw: dict[str, object], path: Path) -> UserConfig:
    warnings = [f"{path}: unknown setting {key!r} is ignored" for key in raw if key not in _KNOWN_KEYS]
    strings = {}
    for key in ("analyst", "theme", "default_watchlist"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string, got {value!r}")
        strings[key] = value.strip() or None if isinstance(value, str) else None
    keys = raw.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f'{path}: [keys] maps binding ids to keys, e.g. "watchlists.add" = "n"')
    return UserConfig(
        analyst=strings["analyst"],
        theme=strings["theme"],
        default_watchlist=strings["default_watchlist"],
        keys={str(k): str(v) for k, v in keys.items()},
        path=path,
        warnings=tuple(warnings),
    )
