"""LL2's limit/offset pagination: default 10, at most 100, absolute links with sorted query keys.

DRF's LimitOffsetPagination already builds LL2's links (sorted keys, `offset` dropped at 0). Where
DRF silently falls back (`limit=abc`), Spacedock answers 400 naming the parameter.
"""
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


def _whole_number(request, name, minimum):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        kind = "a positive whole number" if minimum > 0 else "a whole number, 0 or more"
        raise ValidationError({name: [f"'{raw}' is not {kind}."]})
    return value


class LL2Pagination(LimitOffsetPagination):
    default_limit = 10
    max_limit = 100

    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return _whole_number(request, self.offset_query_param, 0) or 0
