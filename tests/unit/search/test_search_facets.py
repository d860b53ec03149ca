from duijie.domain.provider import haversine_km
from duijie.search.documents import SearchDocument
from duijie.search.facets import GEO_LEVELS, MAX_CELLS, doc_facets, geo_cells, query_facets

XIAN = (34.2655, 108.9542)


def test_document_facets_name_kind_category_diet_and_cells_at_every_level():
    tokens = doc_facets("item", "noodles", ["halal", "spicy"], *XIAN)
    assert tokens[0] == "kitem"
    assert sum(t.startswith("c") for t in tokens) == 1
    assert sum(t.startswith("d") for t in tokens) == 2
    assert sum(t.startswith("g") for t in tokens) == len(GEO_LEVELS)
    assert sum(t.startswith("x") for t in tokens) == len(GEO_LEVELS)
    assert all(t.isalnum() and t.isascii() and t == t.lower() for t in tokens)  # one unicode61 token each


def test_document_without_place_or_category_has_only_its_kind():
    assert doc_facets("job", None, [], None, None) == ["kjob"]


def test_facet_token_string_of_a_document_normalises_category_and_diet():
    a = SearchDocument("a", "p", "item", category=" Noodles ", diet=("Halal",), lat=XIAN[0], lon=XIAN[1])
    b = SearchDocument("b", "p", "item", category="noodles", diet=("halal",), lat=XIAN[0], lon=XIAN[1])
    assert a.facet_tokens() == b.facet_tokens()


def test_query_uses_category_cells_near_a_point_and_every_document_inside_is_covered():
    facets = query_facets(("item",), "noodles", ["halal"], XIAN, 5.0)
    kinds, diet, cells = facets.groups
    assert kinds == ("kitem",) and len(diet) == 1
    assert 1 < len(cells) <= MAX_CELLS and all(t.startswith("x") for t in cells)
    # Documents on the circle in eight directions carry one of the query's cell tokens.
    for dlat, dlon in ((1, 0), (-1, 0), (0, 1), (0, -1), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7)):
        lat, lon = XIAN[0] + dlat * 0.0449, XIAN[1] + dlon * 0.054
        assert haversine_km(*XIAN, lat, lon) <= 5.0
        assert set(doc_facets("item", "noodles", ["halal"], lat, lon)) & set(cells)


def test_wider_radius_uses_a_coarser_level_and_continental_radius_none():
    fine, coarse = geo_cells(*XIAN, 1.0), geo_cells(*XIAN, 100.0)
    assert fine is not None and coarse is not None and fine[0] < coarse[0]
    assert geo_cells(*XIAN, 5000.0) is None
    facets = query_facets((), "noodles", [], XIAN, 5000.0)
    assert len(facets.groups) == 1 and facets.groups[0][0].startswith("c")  # category alone


def test_radius_across_the_antimeridian_has_no_geographic_facet():
    assert geo_cells(0.0, 179.99, 10.0) is None


def test_query_without_filters_has_no_facets():
    assert not query_facets((), None, [], None, 10.0)
