"""Spacedock: the spacecraft part of Launch Library 2 (2.3.0), served from a database you own."""
