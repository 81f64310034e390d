"""LL2's value formats, as DRF writes them: durations, date-times, dates, floats and compact JSON.

Every rule of LL2's that a client sees in a value lives here once.
"""
import datetime as dt
import re

import isodate
import orjson


def duration(value):
    """LL2's duration strings: ISO 8601 with days as the largest unit (`P0D`, `PT47M18S`, `P7DT12H29M27S`)."""
    if value is None:
        return None
    if value.__class__ is dt.timedelta:
        return _iso_duration((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds)
    return isodate.duration_isoformat(value)


def seconds(value):
    """A figure kept in whole seconds, as an LL2 duration string."""
    if value is None:
        return None
    if value.__class__ is int:
        return _iso_duration(value * 1_000_000)
    return duration(dt.timedelta(seconds=value))


def _iso_duration(microseconds: int) -> str:
    """isodate's `duration_isoformat` of a timedelta of that many microseconds, without its regex and
    format-table machinery (a page of spacecraft formats hundreds)."""
    sign = "-" if microseconds < 0 else ""
    total, micro = divmod(abs(microseconds), 1_000_000)
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    out = [sign, "P"]
    if days:
        out.append(f"{days}D")
    if hours or minutes or secs or micro:
        out.append("T")
        if hours:
            out.append(f"{hours}H")
        if minutes:
            out.append(f"{minutes}M")
        if secs or micro:
            out.append(f"{secs}.{micro:06d}".rstrip("0") if micro else f"{secs}")
            out.append("S")
    elif not days:
        out.append("0D")
    return "".join(out)


def moment(value):
    """A date-time as DRF (LL2) writes it: ISO 8601 in UTC with `Z`."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date(value):
    return None if value is None else value.isoformat()


def number(value):
    """A float column as DRF's FloatField renders it (`9.0`, not `9`)."""
    return None if value is None else float(value)


LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")  # U+2028, U+2029 in UTF-8
ESCAPED = {b"\xe2\x80\xa8": b"\\u2028", b"\xe2\x80\xa9": b"\\u2029"}


def escape_line_separators(data: bytes) -> bytes:
    """DRF's JSON escapes U+2028/U+2029 (JavaScript line terminators); orjson does not."""
    if LINE_SEPARATORS.search(data):
        return LINE_SEPARATORS.sub(lambda match: ESCAPED[match.group()], data)
    return data


def json_bytes(obj) -> bytes:
    """`obj` as DRF's compact JSON writes it (orjson, plus DRF's escaping of U+2028/U+2029)."""
    return escape_line_separators(orjson.dumps(obj))
