"""One list view and one detail view, configured per endpoint from `endpoints.ENDPOINTS`.

The page of ids comes from the filtered, ordered queryset; the shapes are then built as plain dicts
by `render` with a fixed number of batched queries (fewer once shapes are kept rendered).
"""
from django.http import Http404
from django.utils.safestring import mark_safe
from rest_framework.compat import apply_markdown
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .filters import INT64, Filters, Ordering, Search
from .modes import shape_for
from .pagination import LL2Pagination
from .render.common import Context, Refs


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

    def get(self, request, *args, **kwargs):
        shape = shape_for(request, self.endpoint, self.endpoint.list_mode)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values_list("pk", flat=True))
        refs = Refs(self.ctx)
        results = refs.many(shape, page)
        refs.resolve()
        return self.get_paginated_response(results)


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
