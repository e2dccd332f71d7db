"""django-import-export in the admin, on the exchange's own rows and importer.

The Resources below do not map columns to fields themselves: export writes the rows of
``interchange.csv`` (the same columns as ``export_data --format csv`` and the API), and
import hands the rows to ``interchange.importer``, so the admin gets the same validation
(every row checked, then all or nothing), the same matching on uuid and the same history
(entry path "admin", the reason "Imported from <file>") as every other entry path.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import tablib
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import ExportForm
from import_export.results import Error, Result, RowResult

from claims.models import Claim
from units.models import Unit

from . import FORMAT_NAME, FORMAT_VERSION
from . import csv as exchange_csv
from .importer import import_document

IMPORT_TYPES = {
    "created": RowResult.IMPORT_TYPE_NEW,
    "updated": RowResult.IMPORT_TYPE_UPDATE,
    "unchanged": RowResult.IMPORT_TYPE_SKIP,
}


class ExchangeResource(resources.Resource):
    """Rows of one section (claims or units) for the admin's import and export."""

    section = ""
    display_name = ""
    columns: tuple[str, ...] = ()
    import_columns: tuple[str, ...] = ()
    record_from_row: Callable[[dict[str, str]], dict[str, Any]]

    def __init__(self, user=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def get_display_name(cls) -> str:
        return cls.display_name

    def rows(self, queryset: QuerySet) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def get_export_headers(self, selected_fields=None) -> list[str]:
        return list(self.columns)

    def get_user_visible_fields(self) -> list:
        return []

    def export(self, queryset: QuerySet | None = None, **kwargs) -> tablib.Dataset:
        """The rows of ``queryset`` (the admin's, already restricted to what the user sees)."""
        dataset = tablib.Dataset(headers=list(self.columns))
        for row in self.rows(queryset):
            dataset.append([exchange_csv._cell(row.get(name)) for name in self.columns])
        return dataset

    def import_data(
        self, dataset: tablib.Dataset, dry_run: bool = False, raise_errors: bool = False, **kwargs
    ) -> Result:
        """Import the rows through the exchange importer; the outcome as import-export's
        ``Result`` (one row result per row, or each bad row with its field errors)."""
        user = kwargs.get("user") or self.user
        name = kwargs.get("file_name") or "the uploaded file"
        rows = [
            {str(key): "" if value is None else str(value) for key, value in row.items()}
            for row in dataset.dict
        ]
        document = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            self.section: [type(self).record_from_row(row) for row in rows],
        }
        report = import_document(
            document, name=name, user=user, dry_run=dry_run, keep_outcomes=True
        )
        result = Result()
        result.diff_headers = [name for name in self.import_columns if name in dataset.headers]
        result.total_rows = len(rows)
        by_row: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for error in report.errors:
            if error.index is None:
                result.append_base_error(Error(ValueError(f"{error.field}: {error.message}")))
            else:
                by_row[error.index][error.field].append(error.message)
        for index, fields in sorted(by_row.items()):
            result.append_invalid_row(
                index + 1, rows[index], ValidationError({k: v for k, v in fields.items()})
            )
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        if report.errors:
            return result
        for _section, index, outcome, obj in report.outcomes:
            row_result = RowResult()
            row_result.import_type = IMPORT_TYPES[outcome]
            row_result.diff = [rows[index].get(name, "") for name in result.diff_headers]
            row_result.row_values = rows[index]
            row_result.instance = obj
            row_result.add_instance_info(obj)
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        return result


class ClaimResource(ExchangeResource):
    """Claims as the flat rows of ``interchange.csv``."""

    section = "claims"
    columns = exchange_csv.CLAIM_COLUMNS
    import_columns = exchange_csv.CLAIM_IMPORT_COLUMNS
    record_from_row = staticmethod(exchange_csv.claim_record_from_row)

    display_name = "Claims (Claimtrace CSV)"

    def rows(self, queryset: QuerySet) -> Iterable[dict[str, Any]]:
        claims = exchange_csv.claim_rows_queryset(queryset, self.user)
        return (exchange_csv.claim_row(claim) for claim in claims.iterator(chunk_size=500))


class UnitResource(ExchangeResource):
    """Units as the flat rows of ``interchange.csv``."""

    section = "units"
    columns = exchange_csv.UNIT_COLUMNS
    import_columns = exchange_csv.UNIT_IMPORT_COLUMNS
    record_from_row = staticmethod(exchange_csv.unit_record_from_row)

    display_name = "Units (Claimtrace CSV)"

    def rows(self, queryset: QuerySet) -> Iterable[dict[str, Any]]:
        return exchange_csv._unit_rows(exchange_csv.unit_rows_queryset(queryset), 500)


class ExchangeAdminMixin(ImportExportMixin):
    """Import and export buttons on a changelist, for the people who may write the model.

    Export is of what the changelist shows (its filters, and only what the user may see: the
    admin's queryset applies ``visible_to``); import needs the add and change permissions.
    """

    import_formats = [CSV]
    export_formats = [CSV]
    export_form_class = ExportForm

    def has_import_permission(self, request: HttpRequest) -> bool:
        label = f"{self.opts.app_label}.%s_{self.opts.model_name}"
        return request.user.has_perms([label % "add", label % "change"])

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.view_{self.opts.model_name}")

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {"user": request.user}

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {"user": request.user}


def add_exchange_buttons(model: type[Model], resource: type[ExchangeResource]) -> None:
    """Give ``model``'s admin (registered by its own app) the import and export buttons.

    The interchange sits above the apps whose records it moves: it adds itself to their
    admin here rather than their admin importing it.
    """
    registered = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(
            registered.__name__, (ExchangeAdminMixin, registered), {"resource_classes": [resource]}
        ),
    )


# Exports what the changelist shows; imports through the importer.
add_exchange_buttons(Claim, ClaimResource)
add_exchange_buttons(Unit, UnitResource)
