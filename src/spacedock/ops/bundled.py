"""The bundled real LL2 dataset (`data/` in the repository), loaded into an empty database."""
import os
from pathlib import Path

from django.conf import settings

from spacedock.catalog.models import Spacecraft
from spacedock.ingest.importer import import_paths


def data_dir() -> Path:
    return Path(os.environ.get("SPACEDOCK_DATA_DIR", settings.PROJECT_DIR / "data"))


def bundled_files(directory: Path | None = None) -> list[Path]:
    """The bundled files in name order: older captures first, so newer ones win where they overlap."""
    return sorted((directory or data_dir()).glob("*.json"))


def load_if_empty(directory: Path | None = None):
    """Import the bundled data when the catalogue holds no spacecraft; returns the summary or None."""
    if Spacecraft.objects.exists():
        return None
    files = bundled_files(directory)
    if not files:
        raise FileNotFoundError(f"no bundled data (*.json) in {directory or data_dir()}")
    return import_paths(files)
