"""The bare-WSGI ceiling: a WSGI callable that answers every request with the same fixed bytes.

`make bench` serves it under each server it compares (granian as `spacedock serve` runs it, gunicorn's sync
and gthread workers), with the bytes of a real page fetched from Spacedock just before; the fastest is the
ceiling, so every other case is reported as a share of what a Python server and the loopback can do at all
on this machine, in the same run.

    BENCH_CEILING_BODY=page.json python -m gunicorn --pythonpath bench ceiling:application
"""
import os


def make_app(body: bytes, content_type: str = "application/json"):
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]

    def app(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    return app


def _load():
    path = os.environ.get("BENCH_CEILING_BODY")
    if not path:
        return make_app(b'{"detail": "set BENCH_CEILING_BODY to the file of the page to serve"}')
    with open(path, "rb") as file:
        return make_app(file.read())


application = _load()
