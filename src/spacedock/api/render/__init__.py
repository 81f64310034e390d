"""Byte-exact LL2 representations, one module per resource; every kind registers itself by name.

`context` (the request's base, moment and data version), `formats` (LL2's value formats), `kinds`
(a representation of one table, and the fetch order derived from what each embeds), `refs` (batched
references between shapes), `shared` (rendered shapes kept per process) and `prepared` (row fetches
compiled once) are what the resource modules share.
"""
from . import (  # noqa: F401 - each registers its kinds
    agencies,
    configs,
    docking,
    expeditions,
    flights,
    images,
    lookups,
    spacecraft,
    stations,
)
