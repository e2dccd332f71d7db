"""factory-boy factories for every domain model; the one place tests build records."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from places.models import Location
from sources.models import Publication, PublicationReference, Source
from units.models import Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Outlet {n}")
    kind = Source.Kind.NEWS_OUTLET
    country = "GB"
    reliability = "B"


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    source = factory.SubFactory(SourceFactory)
    kind = Publication.Kind.ARTICLE
    title = factory.Sequence(lambda n: f"Report number {n}")
    published_on = dt.date(2025, 2, 20)


class PublicationReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicationReference

    citing = factory.SubFactory(PublicationFactory)
    cited = factory.SubFactory(PublicationFactory)
    kind = PublicationReference.Kind.CITES


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"{n}th Motorized Rifle Brigade")
    country = "RU"
    echelon = Unit.Echelon.BRIGADE
    branch = Unit.Branch.MOTORIZED_RIFLE


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Village {n}")
    kind = Location.Kind.SETTLEMENT
    country = "UA"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    title = factory.Sequence(lambda n: f"Claim {n}")
    statement = factory.LazyAttribute(lambda claim: f"{claim.title}: something happened.")
    kind = Claim.Kind.EVENT
    occurred_start = dt.date(2024, 10, 1)
    occurred_precision = "month"


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    claim = factory.SubFactory(ClaimFactory)
    publication = factory.SubFactory(PublicationFactory)
    stance = Citation.Stance.SUPPORTS
    credibility = 2


class UnitInvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitInvolvement

    claim = factory.SubFactory(ClaimFactory)
    unit = factory.SubFactory(UnitFactory)
    role = UnitInvolvement.Role.SUBJECT


class ClaimRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimRelation

    from_claim = factory.SubFactory(ClaimFactory)
    to_claim = factory.SubFactory(ClaimFactory)
    kind = ClaimRelation.Kind.SUPPORTS


class QuantityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quantity

    claim = factory.SubFactory(ClaimFactory)
    measure = "victims"
    low = 109
    unit_of_measure = "persons"
