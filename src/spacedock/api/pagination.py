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


class Counts:
    """Per process: `count` by data version and filters. A count changes only when the data does (a new
    data version), unless a filter moves with the clock (`in_space`): such requests are counted afresh."""

    LIMIT = 10_000

    def __init__(self):
        self.version, self.store = None, {}

    def get(self, version, key, compute):
        if version != self.version or len(self.store) > self.LIMIT:
            self.version, self.store = version, {}
        if key not in self.store:
            self.store[key] = compute()
        return self.store[key]


COUNTS = Counts()


class LL2Pagination(LimitOffsetPagination):
    default_limit = 10
    max_limit = 100
    count_key = None  # (version, key) when the count may be reused; set by paginate_queryset

    def paginate_queryset(self, queryset, request, view=None):
        self.count_key = view.count_key(request) if view is not None and hasattr(view, "count_key") else None
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset):
        if self.count_key is None:
            return super().get_count(queryset)
        version, key = self.count_key
        return COUNTS.get(version, key, lambda: super(LL2Pagination, self).get_count(queryset))

    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return _whole_number(request, self.offset_query_param, 0) or 0
