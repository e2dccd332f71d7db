"""Controlled vocabularies shared by every app (TLP 2.0, Admiralty scale, ICD 203, precision)."""

from django.db import models


class Marking(models.TextChoices):
    """Traffic Light Protocol 2.0 marking of a claim or publication."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Reliability(models.TextChoices):
    """Admiralty scale (NATO AJP-2.1) grade of a source's reliability."""

    A = "A", "A – Completely reliable"
    B = "B", "B – Usually reliable"
    C = "C", "C – Fairly reliable"
    D = "D", "D – Not usually reliable"
    E = "E", "E – Unreliable"
    F = "F", "F – Reliability cannot be judged"


class Credibility(models.IntegerChoices):
    """Admiralty scale (NATO AJP-2.1) grade of one piece of information's credibility."""

    CONFIRMED = 1, "1 – Confirmed by other sources"
    PROBABLY_TRUE = 2, "2 – Probably true"
    POSSIBLY_TRUE = 3, "3 – Possibly true"
    DOUBTFUL = 4, "4 – Doubtful"
    IMPROBABLE = 5, "5 – Improbable"
    CANNOT_BE_JUDGED = 6, "6 – Truth cannot be judged"


class Confidence(models.TextChoices):
    """ICD 203 estimative language, strongest doubt first (probability ranges in the labels)."""

    ALMOST_NO_CHANCE = "almost_no_chance", "Almost no chance (01–05%)"
    VERY_UNLIKELY = "very_unlikely", "Very unlikely (05–20%)"
    UNLIKELY = "unlikely", "Unlikely (20–45%)"
    ROUGHLY_EVEN = "roughly_even_chance", "Roughly even chance (45–55%)"
    LIKELY = "likely", "Likely (55–80%)"
    VERY_LIKELY = "very_likely", "Very likely (80–95%)"
    ALMOST_CERTAIN = "almost_certain", "Almost certain (95–99%)"


class DatePrecision(models.TextChoices):
    """How precisely a date is known: the stored date is the first day of that period."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    SEASON = "season", "Season"
    YEAR = "year", "Year"


def choice_values(choices: type[models.Choices]) -> list:
    """The stored values of a choices class, for check constraints."""
    return [value for value, _label in choices.choices]


class Sensitivity(models.TextChoices):
    """Why evidence is shown blurred until the viewer clicks through."""

    NONE = "none", "Not sensitive"
    GRAPHIC_VIOLENCE = "graphic_violence", "Graphic violence"
    PERSONAL_DATA = "personal_data", "Personal data"
    DECEPTIVE = "deceptive", "Deceptive / manipulated"
