"""Each kind declares what it embeds, and the fetch order is derived from those declarations."""
import pytest

from spacedock.api.endpoints import ENDPOINTS
from spacedock.api.render import kinds
from spacedock.api.render.kinds import KINDS, depth
from spacedock.api.render.refs import Refs

from .helpers import PROD


@pytest.fixture
def asked(monkeypatch):
    """(embedding kind, embedded kind) for every shape asked for while rendering."""
    pairs, rendering = set(), []
    original_get = Refs.get

    def get(self, kind, pk):
        name = kind if isinstance(kind, str) else kind.name
        if rendering:
            pairs.add((rendering[-1], name))
        return original_get(self, kind, pk)

    monkeypatch.setattr(Refs, "get", get)
    for kind in KINDS.values():
        original = type(kind).render

        def render(row, refs, kind=kind, original=original):
            rendering.append(kind.name)
            try:
                return original(kind, row, refs)
            finally:
                rendering.pop()
        monkeypatch.setattr(kind, "render", render, raising=False)
    return pairs


def test_every_embedded_shape_is_declared(api, asked):
    for endpoint in ENDPOINTS:
        for mode in endpoint.modes:
            status, body, _ = api(f"/2.3.0/{endpoint.path}/?limit=100&mode={mode}", host=PROD)
            assert status == 200
            for row in body["results"][:5]:
                assert api(f"/2.3.0/{endpoint.path}/{row['id']}/?mode={mode}", host=PROD)[0] == 200
    assert asked, "nothing was embedded"
    undeclared = sorted((parent, child) for parent, child in asked if child not in KINDS[parent].embeds)
    assert not undeclared, f"embedded without being declared in `embeds`: {undeclared}"


def test_a_kind_is_fetched_after_every_kind_that_embeds_it():
    for kind in KINDS.values():
        for child in kind.embeds:
            assert depth(KINDS[child]) > depth(kind), (kind.name, child)


def test_kinds_that_embed_each_other_are_refused(monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", {})
    monkeypatch.setattr(kinds, "_DEPTHS", {})

    class A(kinds.Kind):
        name, embeds = "a", ("b",)

    class B(kinds.Kind):
        name, embeds = "b", ("a",)

    A(), B()
    with pytest.raises(LookupError, match="embed each other: a -> b -> a|b -> a -> b"):
        depth(kinds.KINDS["a"])
