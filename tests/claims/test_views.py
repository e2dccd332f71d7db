"""The claim pages: list, detail, editing, timeline, map and places."""

import pytest

from claims.models import Citation, Claim, UnitInvolvement
from places.models import Location
from sources.models import Publication
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    UnitFactory,
    UnitInvolvementFactory,
)
from units.models import Unit

pytestmark = pytest.mark.django_db

FT_CLAIM = "Storm detachment soldier shot six unarmed Ukrainian POWs"


@pytest.fixture
def many_claims():
    """Sixty claims, each with a citation and a unit, to show page costs do not grow."""
    unit = UnitFactory()
    for _ in range(60):
        claim = CitationFactory().claim
        UnitInvolvementFactory(claim=claim, unit=unit)


@pytest.mark.parametrize(
    "url",
    [
        "/claims/",
        "/claims/1/",
        "/claims/new/",
        "/claims/1/edit/",
        "/timeline/",
        "/map/",
        "/locations/1/",
    ],
)
def test_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# -- the list


def test_list_shows_each_claim_with_its_evidence(client, viewer, demo):
    client.force_login(viewer)

    body = client.get("/claims/", {"page_size": 100}).content.decode()

    assert FT_CLAIM in body
    assert "B3" in body  # the FT claim's best grade
    assert "1 independent line" in body  # FT relies on the CIR analysis: one line
    assert "Storm det." in body and "perpetrator" in body
    assert "Financial Times" in body


def test_search_and_unit_filter_with_subordinates(client, viewer, demo):
    """GIVEN the demo data
    WHEN a viewer searches "executions", then filters by the Central MD with subordinates
    THEN the search finds the executions claims, and the unit filter finds the Storm
    detachment's shooting two levels below."""
    client.force_login(viewer)

    found = client.get("/claims/", {"search": "executions"}).context["page"].object_list
    assert "Russian commanders complicit in POW executions" in {c.title for c in found}

    district = Unit.objects.get(abbreviation="Central MD")
    response = client.get("/claims/", {"unit": district.pk, "include_subordinates": "true"})
    titles = {claim.title for claim in response.context["page"].object_list}
    assert FT_CLAIM in titles
    assert "30th MRB fighting near Pokrovsk since Fall 2024" in titles
    assert not client.get("/claims/", {"unit": district.pk}).context["page"].object_list


def test_invalid_filters_show_errors_not_a_500(client, viewer):
    client.force_login(viewer)

    response = client.get("/claims/", {"unit": 999999, "occurred_after": "yesterday"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in body
    assert "Enter a valid date" in body
    assert response.context["page"].paginator.count == 0


def test_list_sorts_and_caps_the_page_size(client, viewer, many_claims):
    client.force_login(viewer)

    response = client.get("/claims/", {"page_size": 1000, "ordering": "title"})

    page = response.context["page"]
    assert page.paginator.per_page == 100
    titles = [claim.title for claim in page.object_list]
    assert titles == sorted(titles)


def test_list_page_cost_is_the_same_for_1_and_50_rows(
    client, viewer, many_claims, django_assert_max_num_queries, django_assert_num_queries
):
    """GIVEN sixty claims with citations and units
    THEN a page of one and a page of fifty run exactly the same queries."""
    client.force_login(viewer)

    # session, user, count, page, 6 prefetches (topics, places, numbers, citations, units,
    # relations), ORBAT chains, permissions (2), filter choices (topics: units, sources and
    # places are searched, not listed), sharing groups and named recipients (2)
    # (+1: the reader's groups, read once per request for the marking rule; +1: the
    # count's estimate, asked first as claims reach millions.)
    with django_assert_num_queries(18):
        response = client.get("/claims/", {"page_size": 1})
    assert len(response.context["page"].object_list) == 1
    with django_assert_num_queries(18):
        response = client.get("/claims/", {"page_size": 50})
    assert len(response.context["page"].object_list) == 50


def test_list_says_about_when_the_count_is_estimated(client, viewer, many_claims, settings):
    """GIVEN more claims than EXACT_COUNT_LIMIT WHEN the list is shown THEN its count is
    PostgreSQL's estimate, said as such, and every page is still reachable."""
    settings.EXACT_COUNT_LIMIT = 10
    client.force_login(viewer)

    response = client.get("/claims/", {"page_size": 25, "page": 3})

    page = response.context["page"]
    assert page.paginator.count_is_estimate
    assert "about " in response.content.decode().split('class="result-count"')[1][:80]
    assert len(page.object_list) == 10  # the last ten of sixty: no page cut short


def test_list_counts_exactly_under_the_limit(client, viewer, many_claims, settings):
    settings.EXACT_COUNT_LIMIT = 100
    client.force_login(viewer)

    response = client.get("/claims/")

    assert response.context["page"].paginator.count == 60
    assert not response.context["page"].paginator.count_is_estimate


def test_list_leaves_out_red_claims(client, viewer, superuser):
    ClaimFactory(title="Open claim")
    ClaimFactory(title="RED claim", marking="red")

    client.force_login(viewer)
    body = client.get("/claims/").content.decode()
    assert "Open claim" in body and "RED claim" not in body

    client.force_login(superuser)
    assert "RED claim" in client.get("/claims/").content.decode()


# -- one claim


def test_claim_page_shows_evidence_units_and_marking(
    client, viewer, demo, django_assert_max_num_queries
):
    """GIVEN the FT footage claim of the demo data
    THEN its page shows the statement, the FT and ISW citations with reliability and grade,
    the Storm detachment with its ORBAT path, the related claims, the marking and who
    changed it, in a fixed number of queries."""
    client.force_login(viewer)
    claim = Claim.objects.get(title=FT_CLAIM)

    # session, user, claim, 6 prefetches, incoming relations, ORBAT chains, history,
    # permissions (2), evidence lines (4 + which of their publications the reader may see),
    # sharing groups, named recipients
    # (+4: the history reads each tracked list once: topics, places, sharing groups, people.)
    # (+1: the reader's groups, read once per request for the marking rule.)
    with django_assert_max_num_queries(26):
        response = client.get(f"/claims/{claim.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "shot six" in body
    assert "Financial Times" in body and "B – Usually reliable" in body
    assert "Institute for the Study of War" in body
    assert "B3" in body
    for unit in ("Storm det.", "30th MRB", "2nd CAA", "Central MD"):
        assert unit in body
    assert "Russian commanders complicit in POW executions" in body
    assert "TLP:CLEAR" in body
    assert "Created" in body and "last changed" in body
    # Footage of an execution: the excerpt is blurred until the viewer clicks through.
    assert "Show sensitive evidence" in body
    assert "Edit claim" not in body  # a viewer may not edit


def test_claim_statement_is_escaped(client, viewer):
    claim = ClaimFactory(statement="<script>alert('x')</script> happened")
    client.force_login(viewer)

    body = client.get(f"/claims/{claim.pk}/").content.decode()

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


def test_red_claim_is_not_found_for_a_normal_user(client, viewer, superuser):
    claim = ClaimFactory(marking="red")

    client.force_login(viewer)
    assert client.get(f"/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/claims/{claim.pk}/edit/").status_code in (403, 404)

    client.force_login(superuser)
    assert client.get(f"/claims/{claim.pk}/").status_code == 200


# -- editing


def test_viewer_may_not_add_or_edit(client, viewer):
    claim = ClaimFactory()
    client.force_login(viewer)

    assert client.get("/claims/new/").status_code == 403
    assert client.post("/claims/new/", {"title": "x"}).status_code == 403
    assert client.get(f"/claims/{claim.pk}/edit/").status_code == 403


def formset_data(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """POST data of an inline formset with ``rows``."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def claim_data(**overrides) -> dict:
    data = {
        "title": "Drone strike on a command post",
        "statement": "A drone struck a command post near Pokrovsk.",
        "kind": "event",
        "occurred_start": "2025-02-18",
        "occurred_precision": "day",
        "status": "unverified",
        "confidence": "likely",
        "marking": "clear",
    }
    data.update(overrides)
    return data


def test_editor_invalid_post_saves_nothing_and_shows_the_error(client, editor):
    """GIVEN an editor
    WHEN they post a claim without a title and a citation without a publication
    THEN nothing is saved and each error is shown next to its field."""
    unit = UnitFactory()
    client.force_login(editor)
    data = {
        **claim_data(title=""),
        **formset_data("citations", [{"stance": "supports", "credibility": "2", "excerpt": "x"}]),
        **formset_data("involvements", [{"unit": unit.pk, "role": "perpetrator"}]),
    }

    response = client.post("/claims/new/", data)

    body = response.content.decode()
    assert response.status_code == 400
    assert Claim.objects.count() == 0
    assert Citation.objects.count() == 0 and UnitInvolvement.objects.count() == 0
    assert 'id="id_title_error"' in body
    assert 'id="id_citations-0-publication_error"' in body
    assert "Nothing was saved" in body


def test_editor_adds_a_claim_with_a_citation_and_a_unit(client, editor):
    publication = PublicationFactory()
    unit = UnitFactory()
    place = LocationFactory()
    client.force_login(editor)
    data = {
        **claim_data(locations=[place.pk]),
        **formset_data(
            "citations",
            [
                {
                    "publication": publication.pk,
                    "stance": "supports",
                    "credibility": "2",
                    "excerpt": "A drone struck the post.",
                    "locator_timestamp": "00:01:23",
                    "sensitivity": "graphic_violence",
                }
            ],
        ),
        **formset_data("involvements", [{"unit": unit.pk, "role": "subject"}]),
    }

    response = client.post("/claims/new/", data)

    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.pk}/"
    assert claim.created_by == editor and claim.updated_by == editor
    citation = claim.citations.get()
    assert citation.publication == publication and citation.created_by == editor
    assert citation.locator_display == "00:01:23"
    assert citation.sensitivity == "graphic_violence"
    involvement = claim.involvements.get()
    assert involvement.unit == unit and involvement.created_by == editor
    assert list(claim.locations.all()) == [place]


def test_editing_a_judgement_needs_a_reason(client, editor):
    """GIVEN an existing claim
    WHEN an editor changes its status without a reason, then with one
    THEN the first is refused next to the reason field, the second saved with the reason."""
    claim = ClaimFactory(status="unverified")
    client.force_login(editor)
    base = {
        **claim_data(title=claim.title, statement=claim.statement, confidence=""),
        **formset_data("citations", []),
        **formset_data("involvements", []),
    }

    response = client.post(f"/claims/{claim.pk}/edit/", {**base, "status": "corroborated"})
    assert response.status_code == 400
    assert 'id="id_change_reason_error"' in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "unverified"

    response = client.post(
        f"/claims/{claim.pk}/edit/",
        {**base, "status": "corroborated", "change_reason": "A second outlet confirmed it."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "corroborated"
    assert claim.history.first().history_change_reason == "A second outlet confirmed it."


def test_edit_page_cost_does_not_grow_with_citations(client, editor, django_assert_max_num_queries):
    claim = ClaimFactory()
    for _ in range(10):
        CitationFactory(claim=claim)
        UnitInvolvementFactory(claim=claim)
    client.force_login(editor)

    # session, user, permissions (2), claim, its topics and places, publications (count +
    # rows), citations, units (count + rows), sources (count + rows), involvements, topic
    # and place choices, sharing groups and named recipients (values and choices), the
    # editor's groups (for the marking rule)
    with django_assert_max_num_queries(22):
        response = client.get(f"/claims/{claim.pk}/edit/")
    assert response.status_code == 200


def test_a_marking_that_would_hide_the_claim_from_its_editor_is_a_form_error(client, editor):
    """GIVEN an editor marking a new claim TLP:RED without naming themselves
    THEN the form says how to keep it visible and saves nothing; naming themselves saves it."""
    client.force_login(editor)
    data = {
        **claim_data(marking="red"),
        **formset_data("citations", []),
        **formset_data("involvements", []),
    }

    refused = client.post("/claims/new/", data)
    accepted = client.post("/claims/new/", {**data, "shared_with": [editor.pk]})

    assert refused.status_code == 400
    assert "yourself to the named recipients" in refused.content.decode()
    assert accepted.status_code == 302
    claim = Claim.objects.get()
    assert claim.marking == "red" and list(claim.shared_with.all()) == [editor]


# -- timeline, map, places


def test_timeline_groups_claims_by_month(client, editor, demo, django_assert_max_num_queries):
    ClaimFactory(title="RED claim", marking="red")
    # An editor, who sees the demo's TLP:AMBER claim of May 2024.
    client.force_login(editor)

    # +1 since the count's estimate is asked first (claims reach millions).
    with django_assert_max_num_queries(20):
        response = client.get("/timeline/", {"topic": "pow-executions"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "May 2024" in body
    assert "Two “Time of Heroes” participants executed POWs near Robotyne" in body
    assert "RED claim" not in body
    months = [month for month, _claims in response.context["months"] if month]
    assert months == sorted(months)


def test_map_lists_places_with_their_claims(client, viewer, demo, django_assert_max_num_queries):
    red = ClaimFactory(title="RED claim", marking="red")
    red.locations.add(Location.objects.get(name="Pokrovsk"))
    client.force_login(viewer)

    # session, user, permissions (2), claim-place pairs, filter choices (4)
    with django_assert_max_num_queries(9):
        response = client.get("/map/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="map-data"' in body and "leaflet.js" in body
    places = {place["name"]: place for place in response.context["places"]}
    assert "Pokrovsk" in places
    assert "RED claim" not in body
    assert "30th MRB fighting near Pokrovsk since Fall 2024" in {
        claim["title"] for claim in places["Pokrovsk"]["claims"]
    }


def test_location_page_includes_places_inside(client, viewer, demo, django_assert_max_num_queries):
    client.force_login(viewer)
    oblast = Location.objects.get(name="Donetsk Oblast")

    # session, user, place, aliases, chain above, places inside, claims + 6 prefetches,
    # ORBAT chains, sharing groups, named recipients
    # (+1: the reader's groups, read once per request for the marking rule; +2: the claims
    # filter reads the places inside and the first claims' ids to choose its shape; +1: how
    # many places are inside at any depth, as only those directly inside are listed.)
    with django_assert_max_num_queries(20):
        response = client.get(f"/locations/{oblast.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    inside = Location.objects.descendants_of(oblast, include_self=False).count()
    children = Location.objects.filter(parent=oblast).count()
    assert f"{inside} places at any depth" in body
    assert body.count('<li><a href="/locations/') == children
    assert "Pokrovsk" in body
    assert "30th MRB fighting near Pokrovsk since Fall 2024" in body


def test_publication_choices_are_searched_and_hidden_ones_refused(client, editor):
    """GIVEN an open and a RED publication WHEN an editor opens the new-claim form THEN no
    publication is listed (there are 300,000 at scale: the select is filled by a search of
    the API, which shows only what the editor may see); citing the RED one by its id is a
    form error and saves nothing; the open one is cited."""
    open_report = PublicationFactory(title="Open report")
    red = PublicationFactory(title="RED report", marking="red")
    client.force_login(editor)

    body = client.get("/claims/new/").content.decode()
    assert "Open report" not in body and "RED report" not in body
    assert 'data-lookup="/api/publications/"' in body

    def post(publication):
        citation = {
            "publication": publication.pk,
            "stance": "supports",
            "credibility": "3",
            "excerpt": "Shelling reported.",
            "sensitivity": "none",
        }
        return client.post(
            "/claims/new/",
            {
                **claim_data(),
                **formset_data("citations", [citation]),
                **formset_data("involvements", []),
            },
        )

    refused = post(red)
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert not Claim.objects.exists()
    # The re-shown form names the chosen publication only if the editor may see it.
    assert "RED report" not in refused.content.decode()
    accepted = post(open_report)
    assert accepted.status_code == 302
    assert Claim.objects.get().citations.get().publication == open_report
    assert Publication.objects.count() == 2


def test_changing_a_citation_credibility_on_the_page_needs_a_reason(client, editor):
    """GIVEN a claim with a citation graded 3
    WHEN an editor regrades it to 2 on the claim page without a reason, then with one
    THEN the first is refused next to the reason field and nothing changes; the second is
    saved with the reason in the citation's history."""
    citation = CitationFactory(credibility=3, excerpt="as quoted")
    claim = citation.claim
    client.force_login(editor)
    row = {
        "id": str(citation.pk),
        "publication": str(citation.publication_id),
        "stance": citation.stance,
        "credibility": "2",
        "excerpt": citation.excerpt,
        "sensitivity": citation.sensitivity,
    }
    base = {
        **claim_data(
            title=claim.title,
            statement=claim.statement,
            confidence="",
            occurred_start="2024-10-01",
            occurred_precision="month",
        ),
        **formset_data("citations", [row], initial=1),
        **formset_data("involvements", []),
    }

    response = client.post(f"/claims/{claim.pk}/edit/", base)
    assert response.status_code == 400
    assert 'id="id_change_reason_error"' in response.content.decode()
    citation.refresh_from_db()
    assert citation.credibility == 3

    reason = "The footage was geolocated."
    response = client.post(f"/claims/{claim.pk}/edit/", {**base, "change_reason": reason})
    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.credibility == 2
    assert citation.history.first().history_change_reason == reason
