"""The `spacedock` command: Spacedock's own commands (serve, import, export, sync, generate, keys) and every Django
`manage.py` command, with Spacedock's version and help. A condition a user can meet (a bad setting, a database
that does not answer, a file that cannot be read) ends the command with one line on stderr and a non-zero exit
status, never a traceback (`--traceback` shows one); a command's own errors are one `CommandError: ...` line."""
import os
import sys

# Spacedock's own commands, in the order `spacedock --help` lists them.
COMMANDS = ("serve", "import", "export", "sync", "generate", "keys")
# A few of Django's commands, named in `spacedock --help`; `spacedock help --commands` lists them all.
DJANGO_COMMANDS = ("migrate", "showmigrations", "check", "shell", "dbshell", "createsuperuser")
HELP_WORDS = ([], ["-h"], ["--help"], ["help"])


def version() -> str:
    """Spacedock's version, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("spacedock")
    except PackageNotFoundError:
        return "unknown (not installed)"


def summary(help_text: str) -> str:
    """The first sentence of a command's help."""
    text = " ".join(help_text.split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def database_description() -> str:
    """Which database the settings name, without its password: for messages."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"SQLite {db['NAME']}"
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 'default port'}"
    return f"{engine} {db.get('NAME')!r} at {where}"


def main_help() -> str:
    from django.core.management import get_commands, load_command_class

    apps = get_commands()
    width = max(map(len, COMMANDS)) + 2
    lines = [
        "usage: spacedock COMMAND [OPTIONS]",
        "",
        f"Spacedock {version()}: the spacecraft part of Launch Library 2 (2.3.0), served from a database you own.",
        "",
        "Commands:",
        *(f"  {name:<{width}}{summary(str(load_command_class(apps[name], name).help))}" for name in COMMANDS),
        "",
        "`spacedock COMMAND --help` (or `spacedock help COMMAND`) shows a command's options and their defaults.",
        f"Django's commands work too ({', '.join(DJANGO_COMMANDS)}, ...):",
        "`spacedock help --commands` lists them all.",
        "",
        "Options:",
        "  -h, --help   show this help and exit",
        "  --version    show Spacedock's version and exit",
        "",
        "Settings are environment variables (DATABASE_URL, SPACEDOCK_VAR_DIR, CACHE_URL, ...: see the README).",
        f"The database: {database_description()}",
    ]
    return "\n".join(lines) + "\n"


def one_line(text) -> str:
    return " ".join(str(text).split())


def fail(message: str, status: int):
    sys.stderr.write(f"spacedock: {one_line(message)}\n")
    sys.stderr.flush()
    return status


def run(argv: list[str]) -> int:
    """Runs the command line; expected failures raise, and are reported by main()."""
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = argv[1:]
    if "--version" in args or args == ["version"]:
        sys.stdout.write(f"spacedock {version()} (Django {django.get_version()})\n")
        return 0
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, from the environment
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # e.g. dj-database-url's ValueError for a DATABASE_URL it cannot read
        raise ImproperlyConfigured(f"the settings cannot be read: {exc}") from exc
    if args in HELP_WORDS:
        django.setup()
        sys.stdout.write(main_help())
        return 0
    execute_from_command_line(argv)
    return 0


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import InterfaceError, OperationalError

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "spacedock"
    if "--traceback" in argv:  # a developer asking for the whole story
        sys.exit(run(argv))
    try:
        status = run(argv)
    except ImproperlyConfigured as exc:
        status = fail(exc, 2)
    except (OperationalError, InterfaceError) as exc:
        try:
            where = database_description()
        except Exception:  # noqa: BLE001 - the message matters more than where
            where = "the database"
        status = fail(f"{where}: {exc}", 1)
    except OSError as exc:
        detail = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else exc
        status = fail(detail, 1)
    except KeyboardInterrupt:
        status = fail("interrupted", 130)
    sys.exit(status)


if __name__ == "__main__":
    main()
