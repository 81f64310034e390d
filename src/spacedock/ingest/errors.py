"""The errors of an import, below every ingest module that raises them (`ll2_shapes`, `ll2_versions`,
`importer`, `sync`), so none of those needs to import a module above it to raise one."""
from __future__ import annotations


class ShapeError(ValueError):
    """A value LL2 would never send: names the field (dotted path inside the record) and the problem."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class ImportFailed(Exception):
    """One line for the user: the file, the record and the field."""
