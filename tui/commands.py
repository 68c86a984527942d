"""The ctrl+p command palette: every key of every area, and the command line's mnemonics, found by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.command_line import DESCRIPTIONS, MNEMONICS, Command, CommandError, parse_command

if TYPE_CHECKING:
    from tui.app import WorkstationApp

# Actions the palette leaves out: opening the palette itself.
_LEFT_OUT = frozenset({"command_palette", "app.command_palette"})
# A command typed as on the command line (`infy gp`) is what was asked for: above every fuzzy match.
_TYPED_COMMAND_SCORE = 100.0


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One entry of the palette: "Watchlists: New list", its key and tooltip, and what picking it does."""

    title: str
    help: str
    run: Callable[[], Awaitable[Any] | Any]


class WorkstationCommands(Provider):
    """Every key with a stable id: the shown screen's (as they work now), every other area's (switching there first),
    and the command line's mnemonics; `infy gp` typed here runs as on the command line."""

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        typed = _typed_command(query)
        if typed is not None:
            wanted = f"{typed.symbol} {_mnemonic_of(typed.action)}"
            yield Hit(
                _TYPED_COMMAND_SCORE, f"{wanted}: {DESCRIPTIONS[_mnemonic_of(typed.action)]}", partial(self._run, typed)
            )
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title, help=command.help)

    def _commands(self) -> Iterator[PaletteCommand]:
        app = self._workstation()
        seen: set[tuple[str, str]] = set()
        yield from _shown_screen_commands(app, self.screen, seen)
        yield from _other_area_commands(app, self.screen, seen)
        yield from _mnemonic_commands(app)

    def _workstation(self) -> WorkstationApp:
        from tui.app import WorkstationApp

        assert isinstance(self.app, WorkstationApp)
        return self.app

    def _run(self, command: Command) -> None:
        self._workstation().run_command(command)


def _shown_screen_commands(app: WorkstationApp, screen: Any, seen: set[tuple[str, str]]) -> Iterator[PaletteCommand]:
    """The keys that work on the screen under the palette (its focused table's, its own, the app's)."""
    where = _screen_title(app, screen)
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if not active.enabled or not _listed(binding):
            continue
        title = f"{'Workstation' if node is app else where}: {binding.description or binding.action}"
        if (title, binding.action) in seen:
            continue
        seen.add((title, binding.action))
        yield PaletteCommand(title, _help(app, binding), partial(app.run_action, binding.action, node))


def _other_area_commands(app: WorkstationApp, shown: Any, seen: set[tuple[str, str]]) -> Iterator[PaletteCommand]:
    """The keys of the areas not shown (the current one too, under a pushed screen): picking one switches to the
    area, then runs it on the area's own screen."""
    from tui.areas import AREAS

    for area in AREAS:
        if area.mode == app.current_mode and app.screen_stack[:1] == [shown]:
            continue
        for binding in filter(_listed, _class_bindings(area.screen_type())):
            title = f"{area.title}: {binding.description or binding.action}"
            if (title, binding.action) in seen:
                continue
            seen.add((title, binding.action))
            yield PaletteCommand(title, _help(app, binding), partial(_run_in_area, app, area.mode, binding.action))


def _mnemonic_commands(app: WorkstationApp) -> Iterator[PaletteCommand]:
    """The command line's mnemonics that need no symbol (WL, SEC, ABOUT, HELP) and work in this version."""
    modes = {area.mode for area in _areas()}
    for mnemonic, (action, needs_symbol) in MNEMONICS.items():
        if needs_symbol or (action not in modes and action != "help"):
            continue
        title = f"{mnemonic}: {DESCRIPTIONS[mnemonic]}"
        yield PaletteCommand(title, f": {mnemonic} on the command line", partial(app.run_command, Command(action)))


async def _run_in_area(app: WorkstationApp, mode: str, action: str) -> None:
    if app.current_mode != mode:
        await app.switch_mode(mode)
    await app.run_action(action, app.screen_stack[0])


def _class_bindings(screen_type: type[DOMNode]) -> list[Binding]:
    """A screen class's own bindings (as declared, one per action), without instantiating it."""
    found: dict[str, Binding] = {}
    for binding in screen_type._merge_bindings().key_to_bindings.values():
        for each in binding:
            found.setdefault(each.action, each)
    return list(found.values())


def _listed(binding: Binding) -> bool:
    """The workstation's own keys, which all have a stable id; Textual's plumbing (scroll left, focus next) not."""
    return binding.id is not None and binding.action not in _LEFT_OUT


def _help(app: WorkstationApp, binding: Binding) -> str:
    keys = app._keymap.get(binding.id or "", "") or binding.key
    shown = ", ".join(app.get_key_display(Binding(key.strip(), binding.action)) for key in keys.split(","))
    return f"{shown} · {binding.tooltip}" if binding.tooltip else shown


def _screen_title(app: WorkstationApp, screen: Any) -> str:
    """The area's title for an area's own screen; a pushed screen's sub-title (e.g. "INFY · NSE") otherwise."""
    area = next((area for area in _areas() if area.mode == app.current_mode), None)
    if area is not None and app.screen_stack and app.screen_stack[0] is screen:
        return str(area.title)
    return str(screen.sub_title or type(screen).__name__)


def _areas() -> list[Any]:
    from tui.areas import AREAS

    return AREAS


def _typed_command(query: str) -> Command | None:
    """`infy gp` typed in the palette: a command-line command with a symbol and an explicit mnemonic."""
    if not any(token.upper() in MNEMONICS for token in query.split()):
        return None
    try:
        command = parse_command(query)
    except CommandError:
        return None
    return command if command.symbol else None


def _mnemonic_of(action: str) -> str:
    return next(mnemonic for mnemonic, (name, _) in MNEMONICS.items() if name == action)
