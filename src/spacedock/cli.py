"""The `spacedock` command: every manage.py command, plus `serve` and `import`."""
import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "spacedock"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
