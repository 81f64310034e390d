"""Byte-exact LL2 representations, one module per resource; every kind registers itself by name.

`context` (the request's base, moment and data version), `formats` (LL2's value formats), `kinds`
(a representation of one table, and the fetch order derived from what each embeds), `refs` (batched
references between shapes), `shared` (rendered shapes kept per process) and `prepared` (row fetches
compiled once) are what the resource modules share.
"""
from . import agencies, configs, flights, images, lookups, spacecraft  # noqa: F401 - each registers its kinds
