"""The `workstation` command: open the app, or manage the schema with `workstation db …`."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from store.errors import StoreError

if TYPE_CHECKING:
    from store.migrations import SchemaState

EXIT_DOOR_ERROR = 2

# Data commands (`workstation import …`, `workstation metrics …`, …): each module names its COMMAND,
# adds its parser with register(subparsers) (argparse only: nothing heavy is imported at start) and
# runs with run(args, database) on a checked, migrated database, returning the exit status.
DATA_COMMANDS = (
    "store.ingest.cli",
    "store.ingest.sync_cli",
    "store.analytics.alerts_cli",
    "store.analytics.report_cli",
    "store.analytics.metrics_cli",
)


def package_version() -> str:
    try:
        return version("research-workstation")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workstation",
        description="Research Workstation: a keyboard-driven terminal for equity research on PostgreSQL.",
        epilog="Without --db or WORKSTATION_DATABASE_URL the embedded PostgreSQL in your user data "
        "directory is used (and migrated). PG* variables and ~/.pgpass fill in what a URL leaves out.",
    )
    parser.add_argument("--db", metavar="URL", help="PostgreSQL URL, e.g. postgresql://analyst@db.example/research")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument(
        "--demo", action="store_true", help="open the demo universe (its own embedded database, built on first use)"
    )
    parser.add_argument("--version", action="version", version=f"workstation {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    db = commands.add_parser("db", help="manage the database schema (Alembic)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the schema to REV (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="migrate the schema down to REV (e.g. -1 or base)")
    downgrade.add_argument("revision")
    db_commands.add_parser("current", help="print the database's schema revision")
    history = db_commands.add_parser("history", help="list the schema revisions")
    history.add_argument("--verbose", "-v", action="store_true")
    demo = commands.add_parser("demo", help="build (or rebuild) the demo universe in its own embedded database")
    demo.add_argument("--seed", type=int, default=7, help="the same seed always builds the same market")
    demo.add_argument("--rebuild", action="store_true", help="replace an existing demo database's data")
    for module in data_command_modules():
        module.register(commands)
    return parser


def data_command_modules() -> list[Any]:
    return [importlib.import_module(name) for name in DATA_COMMANDS]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "db": run_db_command,
        "demo": run_demo_command,
    }
    handlers.update({module.COMMAND: run_data_command for module in data_command_modules()})
    handler = handlers.get(args.command, run_app)
    try:
        return handler(args)
    except StoreError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"workstation: {exc}", file=sys.stderr)
        return EXIT_DOOR_ERROR
    except KeyboardInterrupt:
        return 130


def run_db_command(args: argparse.Namespace) -> int:
    from alembic import command

    from store import migrations
    from store.db import open_database

    logging.basicConfig(format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.INFO)
    database = open_database(args.db)
    try:
        database.check_connection()
        with database.engine.connect() as connection:
            config = migrations.alembic_config(connection)
            if args.db_command == "upgrade":
                command.upgrade(config, args.revision)
            elif args.db_command == "downgrade":
                command.downgrade(config, args.revision)
            elif args.db_command == "current":
                print(describe_revision(migrations.schema_state(connection)))
            else:
                command.history(config, verbose=args.verbose)
            connection.commit()
    finally:
        database.close()
    return 0


def run_demo_command(args: argparse.Namespace) -> int:
    from store.demo import build_demo, demo_database

    database = demo_database()
    try:
        summary = build_demo(database, seed=args.seed, replace=args.rebuild)
        if summary is not None:
            rows = sum(summary.rows.values())
            print(
                f"demo universe (seed {summary.seed}, {summary.first_day} to {summary.last_day}) built in "
                f"{database.target.display}: {rows:,} rows in {summary.seconds:.1f} s"
            )
    finally:
        database.close()
    return 0


def run_data_command(args: argparse.Namespace) -> int:
    from store.db import open_database
    from store.migrations import ensure_schema

    (module,) = [module for module in data_command_modules() if args.command == module.COMMAND]
    database = open_database(args.db)
    try:
        database.check_connection()
        ensure_schema(database, migrate=database.target.is_embedded)
        status: int = module.run(args, database)
        return status
    finally:
        database.close()


def describe_revision(state: SchemaState) -> str:
    if state.is_current:
        return f"{state.current_label} (head)"
    if state.is_ahead:
        return f"{state.current_label} (unknown to this version, which expects {state.expected_label})"
    return f"{state.current_label} (behind: this version expects {state.expected_label})"


def run_app(args: argparse.Namespace) -> int:
    import store
    from store.db import open_database
    from store.migrations import ensure_schema
    from tui.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"workstation: {exc}", file=sys.stderr)
        return EXIT_DOOR_ERROR
    for warning in config.warnings:
        print(f"workstation: {warning}", file=sys.stderr)
    if args.demo:
        from store.demo import open_demo_database

        print("opening the demo universe (the first time builds it: about half a minute)…", file=sys.stderr)
        database = open_demo_database()
    else:
        database = open_database(args.db)
    try:
        database.check_connection()
        ensure_schema(database, migrate=database.target.is_embedded)
        store.use_database(database, actor=config.analyst)
        from tui.app import WorkstationApp

        WorkstationApp(database.target, config).run()
    finally:
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
