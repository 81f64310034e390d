"""Byte-exact LL2 representations, one module per resource; `common` holds what they share."""
