"""The sources API: filters, aliases, affiliations; publications with their people, their
place in the citation graph and their markings."""

import datetime as dt

import pytest

from sources.models import Publication, PublicationPerson, PublicationReference, Source
from tests.factories import (
    CitationFactory,
    PublicationFactory,
    PublicationReferenceFactory,
    SourceFactory,
)
from tests.helpers import ids

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def outlets():
    """The FT (alias "FT"), the GUR with Budanov speaking for it, and Meduza."""
    ft = SourceFactory(name="Financial Times", country="GB", reliability="B")
    ft.aliases.create(name="FT")
    gur = SourceFactory(
        name="Main Directorate of Intelligence", kind="intelligence", country="UA", reliability="C"
    )
    gur.aliases.create(name="GUR")
    budanov = SourceFactory(
        name="Kyrylo Budanov", kind="person", country="UA", reliability="C", affiliation=gur
    )
    meduza = SourceFactory(name="Meduza", country="LV", reliability="A")
    return {"ft": ft, "gur": gur, "budanov": budanov, "meduza": meduza}


def test_source_search_matches_an_alias(viewer_api, outlets):
    assert ids(viewer_api.get("/api/sources/", {"search": "ft"})) == [outlets["ft"].pk]
    assert ids(viewer_api.get("/api/sources/", {"search": "GUR"})) == [outlets["gur"].pk]
    assert ids(viewer_api.get("/api/sources/", {"search": "budanov"})) == [outlets["budanov"].pk]


def test_source_filters(viewer_api, outlets):
    reliable = viewer_api.get("/api/sources/?reliability=A&reliability=B")
    assert set(ids(reliable)) == {outlets["ft"].pk, outlets["meduza"].pk}
    people = viewer_api.get("/api/sources/", {"kind": "person"})
    assert ids(people) == [outlets["budanov"].pk]
    ukrainian = viewer_api.get("/api/sources/", {"country": "ua"})
    assert set(ids(ukrainian)) == {outlets["gur"].pk, outlets["budanov"].pk}
    members = viewer_api.get("/api/sources/", {"affiliation": outlets["gur"].pk})
    assert ids(members) == [outlets["budanov"].pk]


def test_source_shows_aliases_and_members(viewer_api, outlets):
    body = viewer_api.get(f"/api/sources/{outlets['gur'].pk}/").json()

    assert body["aliases"] == ["GUR"]
    assert [member["name"] for member in body["members"]] == ["Kyrylo Budanov"]
    budanov = viewer_api.get(f"/api/sources/{outlets['budanov'].pk}/").json()
    assert budanov["affiliation"]["name"] == "Main Directorate of Intelligence"


def test_source_aliases_are_replaced_and_cleaned(editor_api, outlets):
    response = editor_api.patch(
        f"/api/sources/{outlets['ft'].pk}/",
        {"aliases": ["Financial Times Ltd", " FT ", "FT"]},
        format="json",
    )

    assert response.status_code == 200
    assert sorted(response.json()["aliases"]) == ["FT", "Financial Times Ltd"]


def test_source_affiliation_cycle_is_refused(editor_api, outlets):
    """GIVEN Budanov speaking for the GUR
    WHEN the GUR is set to speak for Budanov
    THEN 400 on ``affiliation``, and nothing changes."""
    response = editor_api.patch(
        f"/api/sources/{outlets['gur'].pk}/",
        {"affiliation": outlets["budanov"].pk},
        format="json",
    )

    assert response.status_code == 400
    assert "affiliation" in response.json()
    outlets["gur"].refresh_from_db()
    assert outlets["gur"].affiliation is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reliability": "G"}, "reliability"),
        ({"kind": "blog"}, "kind"),
        ({"country": "gbr"}, "country"),
        ({"url": "not a url"}, "url"),
        ({"affiliation": 999999}, "affiliation"),
        ({"aliases": "FT"}, "aliases"),
        ({"name": "Meduza"}, "name"),
    ],
    ids=lambda value: str(value),
)
def test_bad_source_is_refused(editor_api, outlets, change, field):
    before = Source.objects.count()
    payload = {"name": "Kyiv Independent", "kind": "news_outlet", **change}

    response = editor_api.post("/api/sources/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Source.objects.count() == before


# ---------------------------------------------------------------------------------------------
# Publications
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def library(outlets):
    """Publications of three sources in three countries, graded A to C, over a year."""
    return {
        "ft": PublicationFactory(
            source=outlets["ft"], title="FT on Kursk", published_on=dt.date(2024, 10, 20)
        ),
        "gur": PublicationFactory(
            source=outlets["gur"],
            kind="statement",
            title="GUR statement",
            published_on=dt.date(2025, 2, 20),
        ),
        "meduza": PublicationFactory(
            source=outlets["meduza"], title="Meduza report", published_on=dt.date(2024, 3, 1)
        ),
    }


def test_published_after_and_before(viewer_api, library):
    after = viewer_api.get("/api/publications/", {"published_after": "2024-10-20"})
    assert ids(after) == [library["gur"].pk, library["ft"].pk]
    before = viewer_api.get("/api/publications/", {"published_before": "2024-10-19"})
    assert ids(before) == [library["meduza"].pk]
    between = viewer_api.get(
        "/api/publications/",
        {"published_after": "2024-03-02", "published_before": "2025-02-19"},
    )
    assert ids(between) == [library["ft"].pk]


def test_publication_filters_by_its_source(viewer_api, library, outlets):
    reliable = viewer_api.get("/api/publications/?reliability=A&reliability=B")
    assert set(ids(reliable)) == {library["ft"].pk, library["meduza"].pk}
    assert ids(viewer_api.get("/api/publications/", {"country": "ua"})) == [library["gur"].pk]
    assert ids(viewer_api.get("/api/publications/", {"source": outlets["ft"].pk})) == [
        library["ft"].pk
    ]
    assert ids(viewer_api.get("/api/publications/", {"kind": "statement"})) == [library["gur"].pk]
    assert ids(viewer_api.get("/api/publications/", {"search": "meduza"})) == [library["meduza"].pk]


@pytest.mark.parametrize(
    "query", ["published_after=recently", "reliability=Z", "source=999999", "kind=tweet"]
)
def test_unknown_publication_filter_values_are_refused(viewer_api, library, query):
    response = viewer_api.get(f"/api/publications/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_create_with_people_and_references(editor_api, editor, library, outlets):
    """GIVEN an editor
    WHEN they post a publication quoting Budanov and citing the GUR statement
    THEN the people and the reference are written and shown from both ends."""
    payload = {
        "source": outlets["ft"].pk,
        "kind": "interview",
        "title": "Budanov interview",
        "published_on": "2025-02-21",
        "people": [{"person": outlets["budanov"].pk, "role": "interviewed"}],
        "cites": [
            {
                "publication": library["gur"].pk,
                "kind": "quotes",
                "locator": "fn. [5]",
                "note": "",
            }
        ],
    }

    response = editor_api.post("/api/publications/", payload, format="json")

    assert response.status_code == 201, response.content
    publication = Publication.objects.get(pk=response.json()["id"])
    assert publication.created_by == editor
    person = PublicationPerson.objects.get(publication=publication)
    assert (person.person, person.role) == (outlets["budanov"], "interviewed")
    reference = PublicationReference.objects.get(citing=publication)
    assert (reference.cited, reference.kind, reference.created_by) == (
        library["gur"],
        "quotes",
        editor,
    )
    body = response.json()
    assert body["people"][0]["person"]["name"] == "Kyrylo Budanov"
    assert body["cites"][0]["publication"]["id"] == library["gur"].pk
    cited = editor_api.get(f"/api/publications/{library['gur'].pk}/").json()
    assert [row["publication"]["id"] for row in cited["cited_by"]] == [publication.pk]


def test_put_keeps_a_reference_that_stays(editor_api, library):
    reference = PublicationReferenceFactory(
        citing=library["ft"], cited=library["gur"], kind="cites"
    )
    PublicationReferenceFactory(citing=library["ft"], cited=library["meduza"], kind="cites")
    payload = {
        "source": library["ft"].source_id,
        "kind": "article",
        "title": "FT on Kursk",
        "cites": [{"publication": library["gur"].pk, "kind": "cites", "locator": "[7]"}],
    }

    response = editor_api.put(f"/api/publications/{library['ft'].pk}/", payload, format="json")

    assert response.status_code == 200, response.content
    kept = PublicationReference.objects.get(citing=library["ft"])
    assert kept.pk == reference.pk
    assert kept.locator == "[7]"


def test_a_publication_cannot_cite_itself(editor_api, library):
    response = editor_api.patch(
        f"/api/publications/{library['ft'].pk}/",
        {"cites": [{"publication": library["ft"].pk, "kind": "cites"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "cites" in response.json()
    assert not PublicationReference.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": 999999}, "source"),
        ({"kind": "tweet"}, "kind"),
        ({"published_on": "last week"}, "published_on"),
        ({"marking": "black"}, "marking"),
        ({"people": [{"person": 999999, "role": "quoted"}]}, "people"),
        ({"people": [{"person": 0, "role": "ghostwriter"}]}, "people"),
        ({"cites": [{"publication": 999999, "kind": "cites"}]}, "cites"),
    ],
    ids=lambda value: str(value),
)
def test_bad_publication_is_refused(editor_api, outlets, change, field):
    if "people" in change and change["people"][0]["person"] == 0:
        change["people"][0]["person"] = outlets["budanov"].pk
    before = Publication.objects.count()
    payload = {"source": outlets["ft"].pk, "kind": "article", "title": "New", **change}

    response = editor_api.post("/api/publications/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Publication.objects.count() == before
    assert not PublicationPerson.objects.exists()


def test_a_red_publication_is_absent_for_a_non_superuser(viewer_api, superuser_api):
    shown = PublicationFactory()
    red = PublicationFactory(marking="red")

    assert ids(viewer_api.get("/api/publications/")) == [shown.pk]
    assert viewer_api.get(f"/api/publications/{red.pk}/").status_code == 404
    assert superuser_api.get(f"/api/publications/{red.pk}/").status_code == 200


def test_references_to_a_red_publication_are_left_out(viewer_api):
    """GIVEN a visible publication citing a RED one and cited by another RED one
    WHEN a viewer reads it
    THEN neither link is shown."""
    publication = PublicationFactory()
    PublicationReferenceFactory(citing=publication, cited=PublicationFactory(marking="red"))
    PublicationReferenceFactory(citing=PublicationFactory(marking="red"), cited=publication)

    body = viewer_api.get(f"/api/publications/{publication.pk}/").json()

    assert body["cites"] == []
    assert body["cited_by"] == []


def test_replacing_references_keeps_one_the_editor_cannot_see(editor_api):
    """GIVEN a publication citing a visible and (entered by a superuser) a RED publication
    WHEN an editor, who cannot see the RED one, replaces what the publication cites
    THEN the reference to the RED publication survives."""
    publication = PublicationFactory()
    PublicationReferenceFactory(citing=publication)
    hidden = PublicationReferenceFactory(
        citing=publication, cited=PublicationFactory(marking="red")
    )

    response = editor_api.patch(
        f"/api/publications/{publication.pk}/", {"cites": []}, format="json"
    )

    assert response.status_code == 200
    assert list(PublicationReference.objects.filter(citing=publication)) == [hidden]


def test_a_publication_with_citations_cannot_be_purged(superuser_api):
    citation = CitationFactory()

    response = superuser_api.delete(f"/api/publications/{citation.publication_id}/?purge=true")

    assert response.status_code == 409
    assert "citations" in response.json()["detail"]
    assert Publication.objects.filter(pk=citation.publication_id).exists()
