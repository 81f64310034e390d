"""One list view and one detail view, configured per endpoint from `endpoints.ENDPOINTS`.

The page of ids comes from the filtered, ordered queryset (`listing()`); the shapes are then built as
plain dicts by `render` with a fixed number of batched queries (fewer once shapes are kept rendered).

Plain JSON requests (GET, no `format` or `format=json`, no `Accept` or one any JSON client sends) take
a lean path: the same parameters, listing, pagination and shapes, written straight to bytes without
DRF's negotiation, Response and renderer. Anything else (the browsable page, HEAD, other `Accept`
headers) and every error goes through DRF, so those answers are DRF's own.
"""
from django.http import Http404, HttpResponse
from django.utils.safestring import mark_safe
from rest_framework.compat import apply_markdown
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .filters import INT64, Filters, Ordering, Search
from .listing import split_ids
from .modes import shape_for
from .pagination import LL2Pagination, PageIds
from .render.common import Context, Refs
from .renderers import plain_json


class EndpointView(GenericAPIView):
    endpoint = None  # an endpoints.Endpoint, given to as_view()
    suffix = ""
    http_method_names = ["get", "head"]
    ctx = None  # the response's Context (host, format, moment, data version), set by initial()

    @property
    def allowed_methods(self):
        # LL2's pages say `Allow: GET`; HEAD is still answered, as every HTTP server should.
        return ["GET"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.ctx = Context.from_request(request)

    def dispatch(self, request, *args, **kwargs):
        if plain_json(request):
            self.args, self.kwargs = args, kwargs
            self.request = self.initialize_request(request, *args, **kwargs)
            self.format_kwarg = None
            try:
                self.ctx = Context.from_request(self.request)
                body = self.json(self.request, *args, **kwargs)
            except (APIException, Http404):
                pass  # answered below by DRF, as any error is
            else:
                response = HttpResponse(body, content_type="application/json")
                response["Vary"] = "Accept"  # what DRF's response says (two renderers)
                response["Allow"] = ", ".join(self.allowed_methods)
                etag = getattr(request, "etag", None)
                if etag:
                    response["ETag"] = etag
                return response
        return super().dispatch(request, *args, **kwargs)

    def json(self, request, *args, **kwargs) -> bytes:  # pragma: no cover - abstract
        """The body DRF would render for `get()`, as bytes; raises what `get()` raises."""
        raise NotImplementedError

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        etag = getattr(request, "etag", None)  # set by api.caching: no need to hash the body
        if etag and response.status_code == 200:
            response["ETag"] = etag
        return response

    def get_queryset(self):
        queryset = self.endpoint.model.objects.all()
        if self.endpoint.annotate:
            params = self.request.query_params
            names = set(params) | {term.strip().lstrip("-") for term in params.get("ordering", "").split(",")}
            queryset = self.endpoint.annotate(queryset, self.ctx.now, names)
        return queryset

    def get_view_name(self):
        return f"{self.endpoint.title} {self.suffix}".strip()

    def get_view_description(self, html=False):
        text = self.endpoint.description()
        return mark_safe(apply_markdown(text)) if html else text

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (NotFound, Http404):
            fmt = request.query_params.get("format")
            raise ValidationError({"format": [f"'{fmt}' is not a format; choose from json, api."]})


class ListView(EndpointView):
    suffix = "List"
    pagination_class = LL2Pagination
    filter_backends = [Filters, Search, Ordering]  # DRF search: every term, any field

    @property
    def filterset_class(self):
        return self.endpoint.filterset

    @property
    def search_fields(self):
        return self.endpoint.search_fields

    @property
    def ordering_fields(self):
        return self.endpoint.ordering_fields

    @property
    def ordering(self):
        return self.endpoint.default_ordering

    def count_key(self, request):
        """What the count depends on: the data version, the endpoint, its filters and search; None when
        a filter moves with the clock."""
        params = request.query_params
        if self.ctx.version is None or any(name in params for name in self.endpoint.clock_filters):
            return None
        names = set(self.endpoint.filter_names) | {"search"}
        return self.ctx.version, (self.endpoint.path, tuple(sorted((k, tuple(params.getlist(k))) for k in params
                                                                   if k in names)))

    def listing(self):
        """THE ids of this request's filtered, ordered list, as a queryset the paginator counts and slices."""
        return self.filter_queryset(self.get_queryset()).values_list("pk", flat=True)

    def page_ids(self, request) -> list:
        """The page's ids: the listing's count and a slice of its ids, through the paginator (counts are
        kept per data version; a plain listing's SQL is compiled once, see `PageIds`)."""
        params = request.query_params
        plain = self.ctx.version is not None and not any(
            name in params for name in (*self.endpoint.filter_names, "search", "ordering"))
        sql_key = (self.ctx.version, self.endpoint.path) if plain else None
        split = split_ids(self)  # moving figures filtered or ordered by: settled and live parts
        if split is not None:
            return self.paginate_queryset(split)
        return self.paginate_queryset(PageIds(self.listing, sql_key))

    def get(self, request, *args, **kwargs):
        shape = shape_for(request, self.endpoint, self.endpoint.list_mode)
        page = self.page_ids(request)
        refs = Refs(self.ctx)
        results = refs.many(shape, page)
        refs.resolve()
        return self.get_paginated_response(results)

    def json(self, request, *args, **kwargs) -> bytes:
        shape = shape_for(request, self.endpoint, self.endpoint.list_mode)
        page = self.page_ids(request)
        refs = Refs(self.ctx)
        rows = refs.rows(shape, page)
        refs.resolve()
        return self.paginator.json_page(refs.json_rows(rows))


class DetailView(EndpointView):
    suffix = "Instance"

    def get(self, request, pk, *args, **kwargs):
        shape = shape_for(request, self.endpoint, self.endpoint.detail_mode)
        if pk not in INT64:
            raise NotFound()
        refs = Refs(self.ctx)
        obj = refs.get(shape, pk)
        refs.resolve()
        if not obj:
            raise NotFound()
        return Response(obj)

    def json(self, request, pk, *args, **kwargs) -> bytes:
        shape = shape_for(request, self.endpoint, self.endpoint.detail_mode)
        if pk not in INT64:
            raise NotFound()
        refs = Refs(self.ctx)
        rows = refs.rows(shape, [pk])
        refs.resolve()
        if rows[0].__class__ is not bytes and not refs.found(shape, pk):
            raise NotFound()
        return b"".join(refs.json_rows(rows))
