"""The analyst's config.toml (platformdirs config dir): name, theme, default watchlist, key remaps, named screens."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

CONFIG_ENV = "WORKSTATION_CONFIG"
APP_DIR_NAME = "research-workstation"
_KNOWN_KEYS = {"analyst", "theme", "default_watchlist", "keys", "screens"}
SCREENS_TABLE = "screens"
# A table header line: `[screens]`, `[ keys ]`, `[[x]]` (a comment may follow).
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")


class ConfigError(ValueError):
    """config.toml cannot be used; the message names the file and, where known, the line and column."""


@dataclass(frozen=True, slots=True)
class UserConfig:
    """What the analyst set; every field has a sensible default when the file is missing."""

    analyst: str | None = None
    theme: str | None = None
    default_watchlist: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    # The screener's named screens (name → expression), in the order the file lists them.
    screens: dict[str, str] = field(default_factory=dict)
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
    screens = raw.get(SCREENS_TABLE, {})
    if not isinstance(screens, dict) or not all(isinstance(v, str) for v in screens.values()):
        raise ConfigError(f'{path}: [screens] maps names to screener expressions, e.g. "leaders" = "rs_rating >= 80"')
    return UserConfig(
        analyst=strings["analyst"],
        theme=strings["theme"],
        default_watchlist=strings["default_watchlist"],
        keys={str(k): str(v) for k, v in keys.items()},
        screens={str(k): str(v) for k, v in screens.items()},
        path=path,
        warnings=tuple(warnings),
    )


def save_screens(screens: dict[str, str], path: Path | None = None) -> UserConfig:
    """Write the [screens] table of config.toml (creating the file), keeping every other line as it was.

    The old [screens] table is taken out and the new one written at the end; the result is read back before it
    replaces the file, so a file this cannot rewrite safely is left untouched (ConfigError says why).
    """
    path = path or config_path()
    try:
        original = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        original = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    before = load_config(path)
    updated = _without_screens_table(original) + _screens_table(screens)
    try:
        written = _from_toml(tomllib.loads(updated), path)
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(f"{path}: the named screens cannot be saved without breaking the file ({exc})") from exc
    if written.screens != screens or _settings(written) != _settings(before):
        raise ConfigError(f"{path}: the named screens cannot be saved without changing other settings")
    _replace_file(path, updated)
    return written


def _without_screens_table(text: str) -> str:
    """The file's lines without the [screens] table (its header up to the next table header)."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        header = _TABLE_HEADER.match(line)
        if header is not None:
            inside = header.group(1).strip().strip('"') == SCREENS_TABLE
        if not inside:
            kept.append(line)
    body = "".join(kept).rstrip("\n")
    return f"{body}\n\n" if body else ""


def _screens_table(screens: dict[str, str]) -> str:
    # JSON strings are valid TOML basic strings: quotes, backslashes and control characters come out escaped.
    lines = [
        f"{json.dumps(name, ensure_ascii=False)} = {json.dumps(text, ensure_ascii=False)}"
        for name, text in screens.items()
    ]
    return "\n".join([f"[{SCREENS_TABLE}]", *lines]) + "\n"


def _settings(config: UserConfig) -> tuple[object, ...]:
    return (config.analyst, config.theme, config.default_watchlist, config.keys)


def _replace_file(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.saving")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be written ({exc})") from exc
