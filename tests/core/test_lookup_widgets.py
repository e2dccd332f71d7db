"""Selects over large tables (``core.forms.LookupSelect``): only the chosen records are
rendered; the whole table still decides what is valid."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.forms import LookupSelect, use_lookup
from tests.factories import UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db


class UnitForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), widget=LookupSelect("/api/units/")
    )
    more = forms.ModelMultipleChoiceField(queryset=Unit.objects.order_by("name"), required=False)


def test_only_the_chosen_record_is_rendered_and_any_visible_one_is_valid():
    chosen, other = UnitFactory(name="30th MRB"), UnitFactory(name="Unlisted brigade")
    use_lookup(UnitForm.base_fields["more"], "/api/units/")

    html = str(UnitForm(initial={"unit": chosen.pk, "more": [other.pk]}))

    assert 'data-lookup="/api/units/"' in html
    assert html.count("<option") == 3  # the blank choice, the unit, and the other one chosen
    assert f'<option value="{chosen.pk}" selected>30th MRB</option>' in html
    # Not rendered, yet a valid choice: the field checks the whole queryset.
    empty = str(UnitForm())
    assert "30th MRB" not in empty and "Unlisted brigade" not in empty
    assert UnitForm({"unit": other.pk}).is_valid()
    assert not UnitForm({"unit": other.pk + 1000}).is_valid()


def test_a_remembered_record_is_labelled_without_a_query():
    unit = UnitFactory(name="Storm detachment")
    form = UnitForm(initial={"unit": unit.pk})
    form.fields["unit"].widget.remember(unit)

    with CaptureQueriesContext(connection) as queries:
        html = str(form["unit"])

    assert "Storm detachment" in html
    assert len(queries) == 0
