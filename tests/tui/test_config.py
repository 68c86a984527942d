"""config.toml: the analyst's name, theme, default watchlist and key remaps; mistakes name the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import ConfigError, UserConfig, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config == UserConfig(path=tmp_path / "absent.toml")


def test_reads_every_setting(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'analyst = "asha"\ntheme = "gruvbox"\ndefault_watchlist = "Breakouts"\n'
        '[keys]\n"watchlists.add" = "n"\n"app.quit" = "ctrl+x"\n',
    )
    config = load_config(path)
    assert (config.analyst, config.theme, config.default_watchlist) == ("asha", "gruvbox", "Breakouts")
    assert config.keys == {"watchlists.add": "n", "app.quit": "ctrl+x"}
    assert config.warnings == ()


def test_broken_toml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'analyst = "asha"\ntheme = \n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert "line 2" in str(caught.value)


def test_wrong_types_and_unknown_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="analyst must be a string"):
        load_config(write(tmp_path, "analyst = 42\n"))
    with pytest.raises(ConfigError, match=r"\[keys\] maps binding ids to keys"):
        load_config(write(tmp_path, "[keys]\nquit = 1\n"))
    config = load_config(write(tmp_path, 'colour = "red"\n'))
    assert config.warnings == (f"{tmp_path / 'config.toml'}: unknown setting 'colour' is ignored",)
