"""One list view and one detail view, configured per endpoint from `endpoints.ENDPOINTS`.

Every request takes one path: DRF's dispatch (format negotiation, errors), then `body()`, which
builds the response's JSON bytes: the page of ids from the filtered, ordered queryset, the shapes
rendered (or kept ones joined) with a fixed number of batched queries. A JSON client gets those bytes
as they are; any other format (the browsable page) is DRF's renderer given the same JSON, parsed.
"""
import orjson
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from rest_framework.compat import apply_markdown
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .caching import identity_of
from .filters import INT64, Filters, Ordering, Search
from .listing import split_ids
from .modes import shape_for
from .pagination import LL2Pagination, PageIds
from .render.context import API_PREFIX, Context
from .render.refs import Refs
from .renderers import LL2JSONRenderer

PLAIN_ACCEPT = {None, "*/*", "application/json"}  # what JSON clients (curl, requests, browsers' fetch) send


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
        self.set_context(request)

    def set_context(self, request):
        identity = identity_of(request)  # set when api.caching identified the response
        self.ctx = Context.from_request(request, *((identity.version, identity.moment) if identity else ()))

    @classmethod
    def answers_plainly(cls) -> bool:
        """Whether `json_answer` answers as `dispatch` would: no authentication, permission, throttle or
        versioning to apply (keys and limits are `access.gate`'s, before any view), and JSON the first
        renderer (what negotiation picks for a JSON client)."""
        return not (cls.authentication_classes or cls.permission_classes or cls.throttle_classes
                    or cls.versioning_class) and issubclass(cls.renderer_classes[0], LL2JSONRenderer)

    def json_answer(self, django_request, *args, **kwargs) -> HttpResponse:
        """What `dispatch` answers a JSON client (`api.direct`) when the request is good: DRF's request,
        the JSON renderer chosen, `body()`, `finalize_response`, without the checks that have nothing to
        do (`answers_plainly`). Raises what `dispatch` would answer as an error."""
        self.args, self.kwargs = args, kwargs
        request = self.request = self.initialize_request(django_request, *args, **kwargs)
        self.headers = self.default_response_headers
        self.format_kwarg = None
        renderer = self.get_renderers()[0]
        request.accepted_renderer, request.accepted_media_type = renderer, renderer.media_type
        request.version, request.versioning_scheme = None, None
        self.set_context(request)
        response = HttpResponse(self.body(request, *args, **kwargs), content_type="application/json")
        return self.finalize_response(request, response, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        body = self.body(request, *args, **kwargs)
        if isinstance(request.accepted_renderer, LL2JSONRenderer) and "indent" not in request.accepted_media_type:
            return HttpResponse(body, content_type="application/json")  # the bytes DRF's renderer would write
        return Response(orjson.loads(body))  # the browsable page, indented JSON: DRF renders the same data

    def body(self, request, *args, **kwargs) -> bytes:  # pragma: no cover - abstract
        """The response's JSON, as bytes; raises DRF's exceptions for a bad request."""
        raise NotImplementedError

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        identity = identity_of(request)  # its ETag is known without hashing the body
        if identity is not None and response.status_code == 200:
            response["ETag"] = identity.etag
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
        # What DRF's negotiation picks for a JSON client (no `format` or `format=json`, no Accept or a plain
        # JSON one), without its walk over every renderer and media type: most requests are these.
        if request.META.get("HTTP_ACCEPT") in PLAIN_ACCEPT and request.query_params.get("format", "json") == "json":
            renderer = self.get_renderers()[0]
            if isinstance(renderer, LL2JSONRenderer):
                return renderer, renderer.media_type
        try:
            return super().perform_content_negotiation(request, force)
        except (NotFound, Http404):  # an unknown `format`
            fmt = request.query_params.get("format")
            raise ValidationError({"format": [f"'{fmt}' is not a format; choose from json, api."]}) from None


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

    def body(self, request, *args, **kwargs) -> bytes:
        shape = shape_for(request, self.endpoint, self.endpoint.list_mode)
        page = self.page_ids(request)
        refs = Refs(self.ctx)
        rows = refs.rows(shape, page)
        refs.resolve()
        return self.paginator.json_page(refs.json_rows(rows))


class DetailView(EndpointView):
    suffix = "Instance"

    def body(self, request, pk, *args, **kwargs) -> bytes:
        shape = shape_for(request, self.endpoint, self.endpoint.detail_mode)
        if pk not in INT64:
            raise NotFound()
        refs = Refs(self.ctx)
        rows = refs.rows(shape, [pk])
        refs.resolve()
        if rows[0].__class__ is not bytes and not refs.found(shape, pk):
            raise NotFound()
        return b"".join(refs.json_rows(rows))


class RootView(EndpointView):
    """`/2.3.0/`: every endpoint served, by name, as DRF's router lists them (`{"spacecraft":
    "https://host/2.3.0/spacecraft/", ...}`), in the order of the URL table that gives `routes`."""

    routes: tuple = ()  # (name shown, URL name), given to as_view() by urls.py from the endpoint table

    def body(self, request, *args, **kwargs) -> bytes:
        origin = self.ctx.base[: -len(API_PREFIX)]
        return orjson.dumps({name: origin + reverse(url_name) for name, url_name in self.routes})

    def get_view_name(self):
        return "Api Root"  # DRF's router's name for its root view

    def get_view_description(self, html=False):
        text = "Every endpoint this server answers. Each one's page lists its modes, filters, search and ordering."
        return mark_safe(apply_markdown(text)) if html else text
