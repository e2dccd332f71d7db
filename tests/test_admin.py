"""The Django admin: every model's pages answer, searches find aliases, lists stay O(1) in queries,
inline saves are stamped, markings hide records, and the ORBAT refuses cycles."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from core.choices import Marking
from core.models import ApiToken
from places.models import Location, LocationAlias, LocationAncestor
from sources.models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)
from units.models import Unit, UnitAlias, UnitAncestor, UnitHonorific

DOMAIN_APPS = ("sources", "units", "places", "claims")
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in ("core", *DOMAIN_APPS)),
    key=lambda model: model._meta.label,
)

# Pinned query counts of a changelist page, whatever the number of rows (see
# ``test_changelist_queries_do_not_grow_with_rows``). Every page pays for the session and the
# user (2) and for the filtered and the unfiltered count (2); then, per list:
PINNED_QUERIES = {
    # + the rows, the "topics" filter's choices, the date hierarchy (date range, dates) = 8.
    Claim: 8,
    # + the rows, with claim, publication and source JOINed = 5.
    Citation: 5,
    # + the rows, the page's ORBAT paths (one query on the closure table), the "country"
    # filter's values = 7.
    Unit: 7,
    # + the rows with their source, the date hierarchy (date range, dates), the "language"
    # filter's values = 8.
    Publication: 8,
}


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def form_data(response) -> dict:
    """The POST data of an admin add/change page as it was rendered: main form and inlines."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data: dict = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue  # an unchecked box is posted by leaving it out
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(item) for item in value]
            else:
                data[field.html_name] = str(value)
    return data


def inline_prefixes(response) -> dict:
    """The form prefix of each inline on an admin page, by inline model."""
    return {
        inline.formset.model: inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
    }


def errors_of(response) -> str:
    """Every form error on an admin page, to explain an unexpected 200 instead of a redirect."""
    if response.context is None:
        return f"HTTP {response.status_code}"
    errors = [response.context["adminform"].form.errors]
    errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    errors += [
        inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]
    ]
    return repr(errors)


# --- Personas ---------------------------------------------------------------------------------
# Local on purpose: the suite's shared conftest is being written in parallel; these are the same
# personas and can be dropped for the shared ones later.


@pytest.fixture
def superuser(django_user_model):
    """An administrator who sees and may change everything."""
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.org", password="correct horse battery staple"
    )


@pytest.fixture
def superuser_client(client, superuser):
    """A test client logged in as the superuser."""
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_analyst(django_user_model):
    """A staff member who may view claims, publications and citations and add citations."""
    user = django_user_model.objects.create_user(
        username="analyst", password="correct horse battery staple", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_claim", "view_publication", "view_citation", "add_citation"]
        )
    )
    return user


# --- One of everything, all linked -------------------------------------------------------------


@pytest.fixture
def world(db) -> dict:
    """A small slice of the seed text: one record of every model, linked the way analysts do."""
    ft = Source.objects.create(
        name="Financial Times", kind=Source.Kind.NEWS_OUTLET, country="GB", reliability="B"
    )
    SourceAlias.objects.create(source=ft, name="FT")
    gur = Source.objects.create(
        name="Main Intelligence Directorate", kind=Source.Kind.INTELLIGENCE, country="UA"
    )
    SourceAlias.objects.create(source=gur, name="GUR")
    budanov = Source.objects.create(
        name="Kyrylo Budanov", kind=Source.Kind.PERSON, affiliation=gur, role="Head"
    )
    isw = Source.objects.create(
        name="Institute for the Study of War", kind=Source.Kind.THINK_TANK, reliability="A"
    )

    investigation = Publication.objects.create(
        source=ft,
        kind=Publication.Kind.INVESTIGATION,
        title="Russian soldiers filmed executing Ukrainian POWs",
        published_on=dt.date(2025, 2, 20),
    )
    assessment = Publication.objects.create(
        source=isw,
        kind=Publication.Kind.REPORT,
        title="Russian Offensive Campaign Assessment, February 20, 2025",
        published_on=dt.date(2025, 2, 20),
    )
    PublicationPerson.objects.create(
        publication=investigation, person=budanov, role=PublicationPerson.Role.QUOTED
    )
    reference = PublicationReference.objects.create(
        citing=assessment, cited=investigation, locator="[5]"
    )

    central_md = Unit.objects.create(
        name="Central Military District",
        abbreviation="Central MD",
        country="RU",
        echelon=Unit.Echelon.MILITARY_DISTRICT,
    )
    army = Unit.objects.create(
        name="2nd Combined Arms Army",
        abbreviation="2nd CAA",
        country="RU",
        echelon=Unit.Echelon.ARMY,
        branch=Unit.Branch.COMBINED_ARMS,
        parent=central_md,
    )
    brigade = Unit.objects.create(
        name="30th Motorized Rifle Brigade",
        abbreviation="30th MRB",
        country="RU",
        echelon=Unit.Echelon.BRIGADE,
        branch=Unit.Branch.MOTORIZED_RIFLE,
        parent=army,
    )
    storm = Unit.objects.create(
        name="Storm detachment",
        country="RU",
        echelon=Unit.Echelon.DETACHMENT,
        branch=Unit.Branch.PENAL,
        parent=brigade,
    )
    UnitAlias.objects.create(unit=brigade, name="30 OMSBr")
    UnitHonorific.objects.create(
        unit=brigade, title="Guards", awarded_on=dt.date(2024, 7, 1), awarded_precision="month"
    )

    ukraine = Location.objects.create(name="Ukraine", kind=Location.Kind.COUNTRY, country="UA")
    donetsk = Location.objects.create(
        name="Donetsk Oblast", kind=Location.Kind.REGION, country="UA", parent=ukraine
    )
    pokrovsk = Location.objects.create(
        name="Pokrovsk",
        kind=Location.Kind.SETTLEMENT,
        country="UA",
        parent=donetsk,
        latitude=Decimal("48.282"),
        longitude=Decimal("37.176"),
    )
    LocationAlias.objects.create(location=pokrovsk, name="Krasnoarmiisk")

    executions = Topic.objects.create(name="POW executions")
    shooting = Claim.objects.create(
        title="30th MRB Storm soldier shot six unarmed Ukrainian POWs",
        statement="A Russian soldier of the 30th MRB's Storm detachment shot six unarmed POWs.",
        kind=Claim.Kind.EVENT,
        occurred_start=dt.date(2024, 12, 1),
        occurred_precision="month",
        status=Claim.Status.CORROBORATED,
        confidence="likely",
    )
    shooting.topics.add(executions)
    shooting.locations.add(pokrovsk)
    complicity = Claim.objects.create(
        title="Russian commanders are complicit in POW executions",
        statement="Russian commanders condone or order the execution of Ukrainian POWs.",
        kind=Claim.Kind.ASSESSMENT,
        marking=Marking.AMBER,
    )
    Quantity.objects.create(claim=shooting, measure="victims", low=6, unit_of_measure="persons")
    citation = Citation.objects.create(
        claim=shooting,
        publication=investigation,
        excerpt="footage shows a soldier shooting six men",
        locator_footnote="5",
        credibility=2,
    )
    relation = ClaimRelation.objects.create(
        from_claim=shooting, to_claim=complicity, kind=ClaimRelation.Kind.SUPPORTS
    )
    involvement = UnitInvolvement.objects.create(
        claim=shooting, unit=storm, role=UnitInvolvement.Role.PERPETRATOR, attributed_by=ft
    )
    ApiToken.issue(get_user_model().objects.create_user("notebook-owner"), "notebook")
    EvidenceFile.objects.create(
        publication=investigation,
        file=ContentFile(b"frame", name="footage-still.png"),
        sensitivity="graphic_violence",
    )
    return {
        "ft": ft,
        "gur": gur,
        "investigation": investigation,
        "assessment": assessment,
        "reference": reference,
        "central_md": central_md,
        "army": army,
        "brigade": brigade,
        "storm": storm,
        "pokrovsk": pokrovsk,
        "topic": executions,
        "shooting": shooting,
        "complicity": complicity,
        "citation": citation,
        "relation": relation,
        "involvement": involvement,
    }


# --- Every registered model's pages --------------------------------------------------------------


def test_every_domain_model_is_registered_or_inlined():
    """GIVEN the domain apps WHEN the admin is loaded THEN each model has a page or an inline."""
    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    missing = [
        model._meta.label
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
        # simple-history's Historical* tables are shown through each model's history page.
        if model not in admin.site._registry
        and model not in inlined
        and not model.__name__.startswith("Historical")
        # The closures are derived from the parents, never edited by hand.
        and model not in (UnitAncestor, LocationAncestor)
    ]
    assert missing == []


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_answers(superuser_client, world, model):
    response = superuser_client.get(changelist_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_change_page_answers(superuser_client, world, model):
    # Every record, not just one: the GUR page has a member inline, the units and places
    # pages subordinate-unit and places-inside inlines with rows in them.
    objects = list(model._default_manager.order_by("pk"))
    assert objects, f"the world fixture has no {model._meta.label}"

    statuses = {obj.pk: superuser_client.get(change_url(obj)).status_code for obj in objects}

    assert set(statuses.values()) == {200}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_add_page_answers(superuser_client, world, model):
    response = superuser_client.get(add_url(model))

    # API tokens are created by their owner in the API, where the key is shown once.
    assert response.status_code == (403 if model is ApiToken else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_search_answers(superuser_client, world, model):
    response = superuser_client.get(changelist_url(model), {"q": "Russian"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Source, "FT", "ft"),
        (Source, "GUR", "gur"),
        (Unit, "30 OMSBr", "brigade"),
        (Unit, "2nd CAA", "army"),
        (Location, "Krasnoarmiisk", "pokrovsk"),
        (Publication, "FT", "investigation"),
        (Claim, "unarmed POWs", "shooting"),
    ],
)
def test_search_finds_record_by_alias(superuser_client, world, model, query, expected):
    """GIVEN a record known by another name WHEN the list is searched for that name
    THEN the record is found, once (an alias JOIN must not duplicate rows)."""
    response = superuser_client.get(changelist_url(model), {"q": query})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [world[expected]]


# --- Computed columns, fieldsets ----------------------------------------------------------------


def test_unit_changelist_shows_orbat_path(superuser_client, world):
    response = superuser_client.get(changelist_url(Unit), {"q": "Storm"})

    assert "Storm detachment › 30th MRB › 2nd CAA › Central MD" in response.content.decode()


def test_citation_changelist_shows_grade_and_locator(superuser_client, world):
    """GIVEN the FT (reliability B) citing information graded 2 at footnote [5]
    WHEN the citation list is shown THEN the row reads "B2" and "fn. [5]"."""
    response = superuser_client.get(changelist_url(Citation))

    content = response.content.decode()
    assert ">B2<" in content
    assert "fn. [5]" in content


def test_record_fieldset_is_collapsed_and_read_only(superuser_client, world):
    """GIVEN a publication WHEN its change page is shown THEN the UUID, version and change
    stamps sit in a collapsed "Record" fieldset and are not form fields."""
    response = superuser_client.get(change_url(world["investigation"]))

    fieldsets = {fieldset.name: fieldset for fieldset in response.context["adminform"]}
    record = fieldsets["Record"]
    assert "collapse" in record.classes
    record_fields = {line_field.field["name"] for line in record for line_field in line}
    assert {"uuid", "created_by", "updated_at"} <= record_fields
    form_fields = set(response.context["adminform"].form.fields)
    assert not record_fields & form_fields


def test_add_page_has_no_record_fieldset(superuser_client, world):
    response = superuser_client.get(add_url(Claim))

    names = [fieldset.name for fieldset in response.context["adminform"]]
    assert names == ["Assertion", "When & where", "Judgement", "Sharing", "Notes"]


# --- Query counts --------------------------------------------------------------------------------


def _add_claims(start: int, count: int) -> None:
    topic, _ = Topic.objects.get_or_create(name="Frontline changes")
    for i in range(start, start + count):
        claim = Claim.objects.create(
            title=f"Claim {i}",
            statement=f"Statement {i}",
            occurred_start=dt.date(2020 + i % 5, 1 + i % 12, 1),
            occurred_precision="month",
        )
        claim.topics.add(topic)


def _add_publications(start: int, count: int) -> None:
    for i in range(start, start + count):
        source = Source.objects.create(name=f"Outlet {i}", kind=Source.Kind.NEWS_OUTLET)
        Publication.objects.create(
            source=source,
            kind=Publication.Kind.ARTICLE,
            title=f"Article {i}",
            published_on=dt.date(2020 + i % 5, 1 + i % 12, 1),
        )


def _add_citations(start: int, count: int) -> None:
    # Each citation with its own claim, publication and source: nothing is shared between rows
    # that a cache could hide.
    for i in range(start, start + count):
        source = Source.objects.create(
            name=f"Outlet {i}", kind=Source.Kind.NEWS_OUTLET, reliability="ABCDEF"[i % 6]
        )
        publication = Publication.objects.create(
            source=source, kind=Publication.Kind.ARTICLE, title=f"Article {i}"
        )
        claim = Claim.objects.create(title=f"Claim {i}", statement=f"Statement {i}")
        Citation.objects.create(
            claim=claim, publication=publication, credibility=1 + i % 6, locator_paragraph=i + 1
        )


def _add_units(start: int, count: int) -> None:
    # Chains of three (formation › unit › subunit), so every path has a different length.
    parent = None
    for i in range(start, start + count):
        parent = Unit.objects.create(
            name=f"Unit {i}",
            abbreviation=f"U{i}",
            country="RU",
            echelon=Unit.Echelon.BRIGADE,
            parent=parent if i % 3 else None,
        )


@pytest.mark.parametrize(
    ("model", "add_rows"),
    [
        (Claim, _add_claims),
        (Citation, _add_citations),
        (Unit, _add_units),
        (Publication, _add_publications),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_changelist_queries_do_not_grow_with_rows(
    superuser_client,
    django_assert_max_num_queries,
    model,
    add_rows: Callable[[int, int], None],
):
    """GIVEN a list with 1 row WHEN it grows to 30 rows
    THEN its page runs the same, pinned, number of queries (no query per row)."""
    url = changelist_url(model)
    add_rows(0, 1)
    superuser_client.get(url)  # warm up: content types and other per-process caches
    with CaptureQueriesContext(connection) as one_row:
        response = superuser_client.get(url)
    assert response.context["cl"].result_count == 1

    add_rows(1, 29)
    with django_assert_max_num_queries(PINNED_QUERIES[model]) as thirty_rows:
        response = superuser_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 30
    assert len(thirty_rows.captured_queries) == len(one_row.captured_queries)


# --- Saving --------------------------------------------------------------------------------------


def test_claim_add_with_inlines_creates_rows_and_stamps_author(superuser_client, superuser, world):
    """GIVEN the claim add form WHEN it is posted with a citation and a unit involvement inline
    THEN the claim and both inline rows exist, each stamped with the user who saved them."""
    page = superuser_client.get(add_url(Claim))
    data = form_data(page)
    prefixes = inline_prefixes(page)
    citations, involvements = prefixes[Citation], prefixes[UnitInvolvement]
    data.update(
        {
            "title": "DPRK troops withdrawn from the Kursk front",
            "statement": "North Korean forces were withdrawn from the front in Kursk Oblast.",
            "kind": Claim.Kind.EVENT,
            "occurred_start": "2025-02-01",
            "occurred_precision": "month",
            "topics": [str(world["topic"].pk)],
            f"{citations}-TOTAL_FORMS": "1",
            f"{citations}-0-publication": str(world["investigation"].pk),
            f"{citations}-0-stance": Citation.Stance.SUPPORTS,
            f"{citations}-0-credibility": "3",
            f"{citations}-0-locator_footnote": "7",
            f"{involvements}-TOTAL_FORMS": "1",
            f"{involvements}-0-unit": str(world["brigade"].pk),
            f"{involvements}-0-role": UnitInvolvement.Role.SUBJECT,
            f"{involvements}-0-attributed_by": str(world["gur"].pk),
        }
    )

    response = superuser_client.post(add_url(Claim), data)

    assert response.status_code == 302, errors_of(response)
    claim = Claim.objects.get(title="DPRK troops withdrawn from the Kursk front")
    assert claim.created_by == superuser
    assert claim.updated_by == superuser
    assert list(claim.topics.all()) == [world["topic"]]
    citation = claim.citations.get()
    assert (citation.publication, citation.credibility) == (world["investigation"], 3)
    assert citation.created_by == superuser
    involvement = claim.involvements.get()
    assert (involvement.unit, involvement.attributed_by) == (world["brigade"], world["gur"])
    assert involvement.created_by == superuser


def test_child_unit_added_inline_takes_parent_country(superuser_client, superuser, world):
    """GIVEN a unit's change page WHEN a subordinate unit is added in the compact inline (which
    has no country field) THEN the new unit takes the parent's country and is stamped."""
    brigade = world["brigade"]
    page = superuser_client.get(change_url(brigade))
    data = form_data(page)
    children = inline_prefixes(page)[Unit]
    total = int(data[f"{children}-TOTAL_FORMS"])
    data.update(
        {
            f"{children}-TOTAL_FORMS": str(total + 1),
            f"{children}-{total}-name": "1st Motorized Rifle Battalion",
            f"{children}-{total}-echelon": Unit.Echelon.BATTALION,
        }
    )

    response = superuser_client.post(change_url(brigade), data)

    assert response.status_code == 302, errors_of(response)
    battalion = Unit.objects.get(name="1st Motorized Rifle Battalion")
    assert (battalion.parent, battalion.country) == (brigade, "RU")
    assert battalion.created_by == superuser


def test_unit_added_with_children_passes_on_its_country(superuser_client, superuser):
    """GIVEN the unit add page WHEN a new unit is posted with a subordinate unit inline
    THEN the subordinate takes the country just typed for its new parent."""
    page = superuser_client.get(add_url(Unit))
    data = form_data(page)
    children = inline_prefixes(page)[Unit]
    data.update(
        {
            "name": "155th Naval Infantry Brigade",
            "country": "RU",
            "echelon": Unit.Echelon.BRIGADE,
            "branch": Unit.Branch.NAVAL_INFANTRY,
            f"{children}-TOTAL_FORMS": "1",
            f"{children}-0-name": "1st Naval Infantry Battalion",
            f"{children}-0-echelon": Unit.Echelon.BATTALION,
        }
    )

    response = superuser_client.post(add_url(Unit), data)

    assert response.status_code == 302, errors_of(response)
    battalion = Unit.objects.get(name="1st Naval Infantry Battalion")
    assert battalion.parent.name == "155th Naval Infantry Brigade"
    assert battalion.country == "RU"
    assert battalion.created_by == superuser


def test_duplicate_child_unit_is_a_form_error(superuser_client, world):
    """GIVEN the 30th MRB with its Storm detachment WHEN a second "Storm detachment" is added
    below it inline THEN the row shows the uniqueness error (not a database error)."""
    brigade = world["brigade"]
    page = superuser_client.get(change_url(brigade))
    data = form_data(page)
    children = inline_prefixes(page)[Unit]
    total = int(data[f"{children}-TOTAL_FORMS"])
    data.update(
        {
            f"{children}-TOTAL_FORMS": str(total + 1),
            f"{children}-{total}-name": "Storm detachment",
            f"{children}-{total}-echelon": Unit.Echelon.DETACHMENT,
        }
    )

    response = superuser_client.post(change_url(brigade), data)

    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Unit
    )
    assert "must be unique" in str(formset.non_form_errors())
    assert brigade.children.count() == 1


def test_unit_parent_cycle_is_a_form_error(superuser_client, world):
    """GIVEN Central MD › 2nd CAA › 30th MRB › Storm WHEN the district is given the Storm
    detachment (its own descendant) as parent THEN the form shows an error on ``parent``
    and nothing is saved."""
    district, storm = world["central_md"], world["storm"]
    data = form_data(superuser_client.get(change_url(district)))
    data["parent"] = str(storm.pk)

    response = superuser_client.post(change_url(district), data)

    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    district.refresh_from_db()
    assert district.parent_id is None


# --- Markings ------------------------------------------------------------------------------------


@pytest.fixture
def red_records(world) -> dict:
    """A RED claim and a RED publication, with a citation between them."""
    claim = Claim.objects.create(
        title="Red-marked claim", statement="Shared with named recipients only.", marking="red"
    )
    publication = Publication.objects.create(
        source=world["ft"],
        kind=Publication.Kind.REPORT,
        title="Red-marked report",
        marking="red",
    )
    citation = Citation.objects.create(claim=world["shooting"], publication=publication)
    return {"claim": claim, "publication": publication, "citation": citation}


def test_marked_records_are_absent_for_a_staff_analyst(client, staff_analyst, world, red_records):
    """GIVEN an analyst outside every sharing group WHEN they open the claim, publication and
    citation lists and a RED claim's page THEN RED records are in no list and the page is
    refused like a missing record."""
    client.force_login(staff_analyst)

    claims = client.get(changelist_url(Claim)).context["cl"].result_list
    publications = client.get(changelist_url(Publication)).context["cl"].result_list
    citations = client.get(changelist_url(Citation)).context["cl"].result_list
    red_page = client.get(change_url(red_records["claim"]))

    # The AMBER claim is not shared with any group of theirs, and they are no editor.
    assert set(claims) == {world["shooting"]}
    assert red_records["publication"] not in set(publications)
    assert set(citations) == {world["citation"]}
    assert red_page.status_code == 302  # "doesn't exist. Perhaps it was deleted?"


def test_marked_publication_cannot_be_chosen_by_id(client, staff_analyst, world, red_records):
    """GIVEN an analyst who may add citations WHEN they post one naming a RED publication's id
    THEN the choice is refused as invalid and no citation is created."""
    client.force_login(staff_analyst)
    data = form_data(client.get(add_url(Citation)))
    data.update(
        {
            "claim": str(world["shooting"].pk),
            "publication": str(red_records["publication"].pk),
            "stance": Citation.Stance.MENTIONS,
            "credibility": "6",
        }
    )

    response = client.post(add_url(Citation), data)

    assert response.status_code == 200
    assert "publication" in response.context["adminform"].form.errors
    assert not Citation.objects.filter(stance=Citation.Stance.MENTIONS).exists()


def test_superuser_sees_every_marking(superuser_client, world, red_records):
    response = superuser_client.get(changelist_url(Claim))

    assert red_records["claim"] in set(response.context["cl"].result_list)
