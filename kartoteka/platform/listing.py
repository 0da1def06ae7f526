"""Lists of any entity: quick search, filters on any field (custom ones too), sorting and
keyset pagination.

The same `ListQuery` serves the HTML list, the API, saved views and export. Pages are cut
with a keyset cursor on (sort value, id), never with OFFSET, and nothing counts the whole
table, so the tenth thousandth page costs what the first does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, Expression, F, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, Lower
from django.http import QueryDict
from django.utils.translation import gettext as _

from . import permissions, search
from .fields import FieldSpec, FieldType, InputErrors, convert
from .jsonvalue import custom_value
from .registry import EntitySpec

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
TEXT_TYPES = (FieldType.TEXT, FieldType.LONGTEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL)
RANGE_TYPES = (FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.DATETIME)
MAX_ID = 2**62  # larger ids overflow the database's integer in an IN (…) list


def sort_expression(spec: FieldSpec):
    if spec.is_custom:
        return custom_value(spec.type, spec.key)
    if spec.storage == "fk":
        if spec.type == FieldType.USER:
            return F(f"{spec.key}__username")
        return F(f"{spec.key}__{_title_column(spec.related_entity)}")
    return F(spec.key)


def _title_column(entity_key: str) -> str:
    from .registry import registry

    target = registry.find(entity_key)
    return target.title_field if target else "id"


def value_expression(spec: FieldSpec):
    """The expression a filter compares against."""
    if spec.is_custom:
        return custom_value(spec.type, spec.key)
    if spec.storage == "fk":
        return F(spec.attname)
    return F(spec.key)


def visible_saved_views(user, entity_key: str):
    """Saved views of an entity that the user sees: their own and the shared ones."""
    from kartoteka.customization.models import SavedView

    return SavedView.objects.filter(entity=entity_key).filter(Q(owner=user) | Q(shared=True))


def querydict_of(params) -> QueryDict:
    """A saved view's stored parameters ({name: value or [values]}) as a query string."""
    result = QueryDict(mutable=True)
    for key, value in (params if isinstance(params, dict) else {}).items():
        values = value if isinstance(value, list) else [value]
        result.setlist(str(key), [str(v) for v in values])
    return result


@dataclass
class ListQuery:
    entity: EntitySpec
    q: str = ""
    sort: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    cursor: str = ""
    limit: int = PAGE_SIZE
    flags: list[str] = field(default_factory=list)  # the entity's named filters ("stale")

    @classmethod
    def from_params(cls, entity: EntitySpec, params, *, strict: bool = False) -> ListQuery:
        """Read `q`, `sort`, `columns`, `cursor`, `limit` and `f.<field>[.<op>]` parameters.

        With `strict` (the API) unknown fields and parameters are refused."""
        errors: dict[str, list[str]] = {}
        filters: dict[str, list[str]] = {}
        getlist = (
            params.getlist
            if hasattr(params, "getlist")
            else (lambda key: [params[key]] if not isinstance(params[key], list) else params[key])
        )
        for key in params:
            if key.startswith("f."):
                name = key[2:]
                field_key, _dot, op = name.partition(".")
                spec = entity.field(field_key)
                if spec is None or not spec.filterable:
                    errors.setdefault(key, []).append(_("Unknown or unfilterable field."))
                    continue
                team_op = op == "team" and spec.type == FieldType.USER and not spec.is_custom
                if op not in ("", "min", "max", "empty") and not team_op:
                    errors.setdefault(key, []).append(_("Unknown filter operator."))
                    continue
                values = [v for v in getlist(key) if v not in ("", None)]
                if values:
                    filters[name] = values
            elif key == "flag":
                known = entity.behaviour.flags()
                for value in getlist(key):
                    if value not in known:
                        errors.setdefault(key, []).append(_("Unknown filter."))
            elif strict and key not in ("q", "sort", "columns", "cursor", "limit", "view"):
                errors.setdefault(key, []).append(_("Unknown parameter."))
        sort = params.get("sort", "") or ""
        if sort:
            spec = entity.field(sort.lstrip("-"))
            if spec is None or not spec.sortable:
                errors.setdefault("sort", []).append(_("Cannot sort by this field."))
                sort = ""
        columns_raw = params.get("columns", "") or ""
        columns = [c for c in columns_raw.split(",") if entity.field(c)] if columns_raw else []
        try:
            limit = int(params.get("limit") or PAGE_SIZE)
            if not 1 <= limit <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            errors.setdefault("limit", []).append(
                _("Enter a page size from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}
            )
            limit = PAGE_SIZE
        q = (params.get("q") or "")[:200]
        if errors and strict:
            raise InputErrors(errors)
        return cls(
            entity=entity,
            q=q,
            sort=sort,
            filters=filters,
            columns=columns,
            cursor=params.get("cursor", "") or "",
            limit=limit,
            flags=[v for v in getlist("flag") if v in entity.behaviour.flags()]
            if "flag" in params
            else [],
        )

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.q:
            params["q"] = self.q
        if self.sort:
            params["sort"] = self.sort
        if self.columns:
            params["columns"] = ",".join(self.columns)
        for key, values in self.filters.items():
            params[f"f.{key}"] = values
        if self.flags:
            params["flag"] = list(self.flags)
        return params

    @property
    def visible_columns(self) -> list[FieldSpec]:
        keys = self.columns or [
            *self.entity.default_columns,
            *[
                spec.key
                for spec in self.entity.custom_fields
                if spec.show_in_list and spec.key not in self.entity.default_columns
            ],
        ]
        return [spec for key in keys if (spec := self.entity.field(key))]

    # -- building the queryset --------------------------------------------------------------
    def filtered(self, user, action: str = "view") -> QuerySet:
        qs = permissions.restrict(self.entity.queryset(), user, self.entity.key, action)
        if self.q:
            ids = search.matching_ids(user, self.entity, self.q)
            if ids is not None:
                qs = qs.filter(pk__in=ids)
        for flag in self.flags:
            qs = self.entity.behaviour.apply_flag(qs, flag, user)
        for name, values in self.filters.items():
            field_key, _dot, op = name.partition(".")
            condition = self._filter_q(self.entity.field(field_key), op, values, user)
            qs = apply_filter(qs, condition)
        return qs

    def _filter_q(self, spec: FieldSpec, op: str, values: list[str], user) -> Q:
        expr = value_expression(spec)
        alias = f"_f_{spec.key}"
        if op == "empty":
            if spec.is_custom:
                return Q(**{f"custom__{spec.key}__isnull": True})
            if spec.storage == "fk":
                return Q(**{f"{spec.attname}__isnull": True})
            return Q(**{spec.key: [] if spec.multiple or spec.type == FieldType.TAGS else ""})
        if op == "team":  # a user field's user in one of these teams ("mine": the reader's)
            teams = [
                (user.team_id if value == "mine" else int(value))
                for value in values
                if value == "mine" or (str(value).isdigit() and int(value) <= MAX_ID)
            ]
            return Q(**{f"{spec.key}__team_id__in": [t for t in teams if t is not None]})
        if op in ("min", "max"):
            raw = values[0]
            try:
                if spec.type in (FieldType.NUMBER, FieldType.MONEY):
                    bound: Any = float(Decimal(str(raw).replace(",", ".")))
                else:
                    bound = convert(FieldSpec(key=spec.key, label="", type=FieldType.DATE), raw)
                    if spec.type == FieldType.DATETIME and op == "max":
                        bound = bound + "T23:59:59"
            except Exception:
                raise InputErrors({f"f.{spec.key}.{op}": [_("Enter a valid bound.")]})
            lookup = "gte" if op == "min" else "lte"
            return _ExprQ(alias, expr, lookup, bound)
        if spec.multiple or spec.type in (FieldType.MULTICHOICE, FieldType.TAGS):
            q: Any = None
            for index, value in enumerate(values):
                term = _ExprQ(
                    f"{alias}_{index}",
                    Lower(Cast(_json_source(spec), TextField())),
                    "contains",
                    json.dumps(_needle(spec, value))[1:-1],
                )
                q = term if q is None else q | term
            return q
        if spec.type in TEXT_TYPES:
            return _ExprQ(alias, Lower(expr), "contains", _needle(spec, values[0]))
        if spec.type == FieldType.BOOLEAN:
            truth = values[0].lower() in ("1", "true", "yes", "on")
            if spec.is_custom:
                return Q(**{f"custom__{spec.key}": truth})
            return Q(**{spec.key: truth})
        if spec.type in (FieldType.USER, FieldType.RELATION):
            ids = []
            for value in values:
                if value == "me" and user is not None:
                    ids.append(user.pk)
                elif str(value).isdigit() and int(value) <= MAX_ID:
                    ids.append(int(value))
                else:
                    raise InputErrors({f"f.{spec.key}": [_("Choose a valid record.")]})
            if spec.is_custom:
                return _ExprQ(alias, expr, "in", ids)
            return Q(**{f"{spec.attname}__in": ids})
        if spec.type == FieldType.CHOICE:
            if spec.is_custom:
                return _ExprQ(alias, expr, "in", values)
            return Q(**{f"{spec.key}__in": values})
        return Q()

    def ordering(self) -> tuple[Any, bool, FieldSpec | None]:
        key = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        if not key:
            # newest first by default
            return F("created_at"), True, None
        spec = self.entity.field(key)
        return sort_expression(spec), descending, spec

    def _nullable(self, spec: FieldSpec | None) -> bool:
        if spec is None:  # created_at
            return False
        if spec.is_custom or spec.storage == "fk":
            return True
        return self.entity.model._meta.get_field(spec.key).null

    def page(
        self,
        user,
        action: str = "view",
        only: list[str] | None = None,
        values: list[str] | None = None,
    ) -> Page:
        """One keyset page. `only` (attnames) loads just those columns and no joined
        records, for readers such as the export that resolve references in bulk. `values`
        (attnames) reads no model instances at all: each row is a tuple of those columns
        followed by the sort value and the id."""
        qs = self.filtered(user, action)
        if only is not None or values is not None:
            qs = qs.select_related(None)
        if only is not None:
            qs = qs.only(*only)
        expr, descending, spec = self.ordering()
        qs = qs.annotate(_sort=expr)
        direction = "desc" if descending else "asc"
        # "NULLS LAST" only where the value can be null: on a NOT NULL column it would keep
        # PostgreSQL off the index (its DESC order puts nulls first) and sort the whole table.
        nullable = self._nullable(spec)
        qs = qs.order_by(
            getattr(F("_sort"), direction)(nulls_last=True if nullable else None),
            getattr(F("id"), direction)(),
        )
        if self.cursor:
            try:
                value, last_id = decode_cursor(self.cursor)
                if value is not None:
                    value = qs.query.annotations["_sort"].output_field.to_python(value)
                qs = qs.filter(_cursor_q((value, last_id), descending, nullable))
            except (DjangoValidationError, TypeError, ValueError):
                # a cursor of another sort (its value does not fit this column) or a forged one
                raise InputErrors({"cursor": [_("The page cursor is not valid.")]})
        if values is not None:
            qs = qs.values_list(*values, "_sort", "id")
        rows = list(qs[: self.limit + 1])
        has_more = len(rows) > self.limit
        rows = rows[: self.limit]
        next_cursor = ""
        if has_more and rows:
            last = rows[-1]
            if values is not None:
                next_cursor = encode_cursor(last[-2], last[-1])
            else:
                next_cursor = encode_cursor(last._sort, last.pk)
        return Page(rows=rows, next_cursor=next_cursor)


def _needle(spec: FieldSpec, value: str) -> str:
    """What a contains-filter looks for: phones are stored in E.164, so "+48 22-123" is
    looked for as "+4822123" (in lists of phones as well as in a single one)."""
    needle = value.lower()
    if spec.type == FieldType.PHONE:
        needle = needle.replace(" ", "").replace("-", "")
    return needle


def _json_source(spec: FieldSpec):
    return KeyTransform(spec.key, "custom") if spec.is_custom else F(spec.key)


class _ExprQ:
    """A filter over an expression: applied as `.alias(name=expr).filter(name__lookup=v)`."""

    def __init__(self, alias: str, expr, lookup: str, value):
        self.aliases = {alias: expr}
        self.q = Q(**{f"{alias}__{lookup}": value})

    def __or__(self, other):
        combined = _ExprQ.__new__(_ExprQ)
        combined.aliases = {**self.aliases, **getattr(other, "aliases", {})}
        combined.q = self.q | getattr(other, "q", other)
        return combined


def apply_filter(qs: QuerySet, condition) -> QuerySet:
    if isinstance(condition, _ExprQ):
        return qs.alias(**condition.aliases).filter(condition.q)
    return qs.filter(condition)


@dataclass
class Page:
    rows: list
    next_cursor: str


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def encode_cursor(value, pk: int) -> str:
    raw = json.dumps([_jsonable(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int]:
    from django.utils.dateparse import parse_datetime

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if isinstance(value, dict):
            value = parse_datetime(value["t"])
            if value is None:
                raise ValueError
        if not isinstance(pk, int) or isinstance(value, list | dict):
            raise ValueError
        return value, pk
    except Exception:
        raise InputErrors({"cursor": [_("The page cursor is not valid.")]})


class RowCompare(Expression):
    """`(a, b) < (x, y)`: a row-value comparison both databases answer with one index range
    scan, where the equivalent `a < x OR (a = x AND b < y)` makes them filter row by row."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, columns: list, operator: str, values: list):
        super().__init__()
        assert operator in ("<", ">")
        self.columns, self.operator, self.values = columns, operator, values

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        parts, params, values = [], [], []
        for column, value in zip(self.columns, self.values, strict=True):
            sql, column_params = compiler.compile(column)
            parts.append(sql)
            params.extend(column_params)
            # the database's own form of the value (SQLite keeps datetimes as naive UTC text)
            values.append(column.output_field.get_db_prep_value(value, connection))
        marks = ", ".join(["%s"] * len(values))
        sql = f"({', '.join(parts)}) {self.operator} ({marks})"
        return sql, [*params, *values]


def _cursor_q(cursor: tuple[Any, int], descending: bool, nullable: bool = True) -> Q:
    value, pk = cursor
    after = "lt" if descending else "gt"
    if value is None:
        return Q(_sort__isnull=True, **{f"id__{after}": pk})
    after_row = Q(RowCompare([F("_sort"), F("id")], "<" if descending else ">", [value, pk]))
    # with NULLS LAST, rows without a value come after every row that has one
    return after_row | Q(_sort__isnull=True) if nullable else after_row
