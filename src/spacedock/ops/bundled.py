"""The bundled real LL2 dataset (package data: `spacedock/data/*.json`), loaded into an empty database."""
import os
from importlib.resources import files
from pathlib import Path

from spacedock.catalog.models import Spacecraft
from spacedock.ingest.importer import import_paths


def data_dir() -> Path:
    """`SPACEDOCK_DATA_DIR` when set, else the `data` folder installed with the package (from a checkout
    or a wheel alike)."""
    override = os.environ.get("SPACEDOCK_DATA_DIR")
    if override:
        return Path(override)
    return Path(str(files("spacedock").joinpath("data")))


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
