"""Entry point: ``python -m desktop_app`` and the ``desktop-app`` console script.

Without a command it opens the desk's window. A command (``import FILE``, ``export FILE``,
``demo``) runs without a window: the whole command line goes, unchanged, to
``desktop_app.cli.main(argv)``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from desktop_app import __version__

PROG = "desktop-app"
# Options of the window that take a value, so the value is not taken for a command.
_OPTIONS_WITH_VALUE = frozenset({"--database"})
CLI_MODULE = "desktop_app.cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Technician Queue: every open ticket ordered by how soon its SLA breaches. "
            "Without a command, opens the desk's window."
        ),
        epilog=(
            "commands (run without a window; see `desktop-app COMMAND --help`):\n"
            "  import FILE    load customers, sites, contacts or tickets from FILE\n"
            "  export FILE    write the desk's tickets with their timelines to FILE\n"
            "  demo           fill the database with the demo desk\n"
            "  report         the monthly SLA report (CSV) or a customer's statement (PDF)\n\n"
            "environment:\n"
            "  DESKTOP_APP_DATABASE_URL  database URL used when --database is not given"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--database",
        metavar="URL",
        help=(
            "open this database instead of your own desk, e.g. "
            "sqlite:////path/to/desk.sqlite3 or postgresql+psycopg://user@host/desk"
        ),
    )
    source.add_argument(
        "--demo",
        action="store_true",
        help="open a throwaway demo desk (nothing you do is kept)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=(
            "start-up check: open the window (offscreen when there is no display), "
            "then exit with status 0 within a few seconds"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def find_command(argv: Sequence[str]) -> str | None:
    """The first word that is neither an option nor an option's value, if any."""
    skip_value = False
    for token in argv:
        if skip_value:
            skip_value = False
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            skip_value = token in _OPTIONS_WITH_VALUE
            continue
        return token
    return None


def run_command(command: str, argv: Sequence[str]) -> int:
    """Hand the whole command line to ``desktop_app.cli.main``."""
    try:
        cli = importlib.import_module(CLI_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != CLI_MODULE:
            raise
        print(
            f"{PROG}: the command {command!r} is not available in this installation "
            f"({CLI_MODULE} is missing). Open the window with `{PROG}` (no command), or "
            "install a version that includes the command-line tools.",
            file=sys.stderr,
        )
        return 2
    code = cli.main(list(argv))
    return 0 if code is None else int(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = find_command(args)
    if command is not None:
        return run_command(command, args)

    options = build_parser().parse_args(args)
    from desktop_app.app import LaunchError, LaunchOptions, run
    from desktop_app.paths import AssetsNotFoundError
    from desktop_app.views.main_window import FormLoadError

    try:
        return run(LaunchOptions(database=options.database, demo=options.demo, smoke=options.smoke))
    except (LaunchError, AssetsNotFoundError, FormLoadError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
