"""Turn JSON into the generated models, and make sure every annotation then holds.

The generated `from_dict` trusts its input: a missing field is a bare KeyError, `"id": 123` stays
an int, and a union that fails to parse hands back the raw value through `cast`. This module wraps
it so that a model that comes out is exactly what its annotations say, and anything else is a
`ResponseShapeError` naming the field by its wire name. It is generic over every generated model:
the field list, types and wire names come from the attrs fields (see generator-templates/).
"""

from __future__ import annotations

import datetime
import operator
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple, Protocol, Self, TypeVar

import attrs

from ._generated.types import Unset, parse_datetime
from ._json import MAX_DEPTH, nested_deeper_than


class _GeneratedModel(Protocol):
    @classmethod
    def from_dict(cls, src_dict: typing.Mapping[str, Any]) -> Self: ...


M = TypeVar("M", bound=_GeneratedModel)


class ResponseShapeError(Exception):
    """A JSON value that does not fit the model it should become. Internal: callers re-raise it."""


class NestedTooDeep(ResponseShapeError):
    """A value nested past `_json.MAX_DEPTH`: the body is refused as JSON this client does not
    decode, on every Python alike (some decode it, some do not)."""


def _check_depth(value: object, levels: int) -> None:
    if nested_deeper_than(value, levels):
        raise NestedTooDeep("nested too deep")


def _check_unknown_fields(model: object, levels: int) -> None:
    # `levels`: what the model's own object may nest, itself included (its unknown fields stand
    # in one dict for it). The declared fields are typed (scalars, lists of strings): only the
    # fields the spec does not know, which the models keep as they came, can nest deeper.
    extra = model.additional_properties  # type: ignore[attr-defined] # only for models that keep it
    if extra:
        _check_depth(extra, levels)


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages that must not echo the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class _FieldCheck(NamedTuple):
    name: str
    wire_name: str
    allowed: tuple[type, ...]
    item_type: type | None  # for list[...] fields: the type every item must have
    expected: str  # what the spec wants, for messages

    def accepts(self, value: object) -> bool:
        if not isinstance(value, self.allowed):
            return False
        if self.item_type is not None and isinstance(value, list):
            item_type = self.item_type
            return all(isinstance(item, item_type) for item in value)
        return True


def _describe(tp: object) -> str:
    if tp is types.NoneType:
        return "null"
    if tp is Unset:
        return "absent"
    if tp is datetime.datetime:
        return "RFC 3339 date-time string"
    if tp is str:
        return "string"
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        return f"array of {_describe(item)}"
    return getattr(tp, "__name__", str(tp))


def _check_for(field: attrs.Attribute[Any]) -> _FieldCheck:
    members = (
        typing.get_args(field.type) if isinstance(field.type, types.UnionType) else (field.type,)
    )
    allowed: list[type] = []
    item_type: type | None = None
    for member in members:
        if typing.get_origin(member) is list:
            (item_type,) = typing.get_args(member)
            allowed.append(list)
        else:
            allowed.append(typing.cast(type, member))
    return _FieldCheck(
        name=field.name,
        wire_name=field.metadata.get("wire_name", field.name),
        allowed=tuple(allowed),
        item_type=item_type,
        expected=" or ".join(_describe(m) for m in members if m is not Unset),
    )


class _ModelChecks(NamedTuple):
    """A model's field checks. `fields` has them all, for messages; the hot path re-checks only
    the fields not built strictly, with one attrgetter call and one isinstance per field."""

    fields: tuple[_FieldCheck, ...]
    values: Callable[[object], tuple[object, ...]]
    allowed: tuple[tuple[type, ...], ...]
    list_items: tuple[tuple[int, type], ...]  # (position, item type) of each list field
    keeps_unknown: bool  # it keeps the fields the spec does not know (additional_properties)

    def hold_for(self, model: object) -> bool:
        if not self.allowed:
            return True
        values = self.values(model)
        for value, allowed in zip(values, self.allowed, strict=True):
            if not isinstance(value, allowed):
                return False
        for position, item_type in self.list_items:
            value = values[position]
            if isinstance(value, list) and not all(isinstance(item, item_type) for item in value):
                return False
        return True


def _values_getter(names: list[str]) -> Callable[[object], tuple[object, ...]]:
    if not names:
        return lambda model: ()
    if len(names) == 1:  # attrgetter of one name returns the value itself, not a tuple
        (name,) = names
        return lambda model: (getattr(model, name),)
    return operator.attrgetter(*names)


@cache
def _checks(cls: type) -> _ModelChecks:
    attrs.resolve_types(cls)
    init_fields = [f for f in attrs.fields(cls) if f.init]
    fields = tuple(_check_for(f) for f in init_fields)
    # A field the generated from_dict already builds strictly (metadata "strict") cannot come out
    # with a wrong type, so only the others are checked again on the hot path.
    recheck = [
        check for check, f in zip(fields, init_fields, strict=True) if not f.metadata.get("strict")
    ]
    return _ModelChecks(
        fields=fields,
        values=_values_getter([f.name for f in recheck]),
        allowed=tuple(f.allowed for f in recheck),
        list_items=tuple(
            (position, f.item_type) for position, f in enumerate(recheck) if f.item_type is not None
        ),
        keeps_unknown="additional_properties" in attrs.fields_dict(cls),
    )


def _wire_value_problem(check: _FieldCheck, data: dict[str, Any]) -> str | None:
    """Why a raw JSON value cannot become its field, or None when it can."""
    if check.wire_name not in data:
        return None if Unset in check.allowed else "is required but missing"
    value = data[check.wire_name]
    if value is None:
        return (
            None
            if types.NoneType in check.allowed
            else f"is null where the spec says {check.expected}"
        )
    if datetime.datetime in check.allowed and isinstance(value, str):
        try:
            parse_datetime(value)
        except ValueError as exc:
            return f"is not a valid RFC 3339 date-time: {exc}"
        return None
    if isinstance(value, list) and list in check.allowed and not check.accepts(value):
        return f"has an item that is not what the spec says ({check.expected})"
    if not check.accepts(value):
        return f"is a JSON {json_type(value)} where the spec says {check.expected}"
    return None


def _first_problem(cls: type, checks: _ModelChecks, data: dict[str, Any]) -> str:
    for check in checks.fields:
        problem = _wire_value_problem(check, data)
        if problem is not None:
            return f"{cls.__name__}.{check.wire_name} {problem}"
    return f"{cls.__name__}: the body does not match the spec"


def decode_model(cls: type[M], data: object, *, depth: int = 1) -> M:
    """Build `cls` from a decoded JSON value found `depth` levels into its body (1: the body
    itself), or raise ResponseShapeError naming what is wrong (NestedTooDeep for nesting past
    MAX_DEPTH)."""
    if not isinstance(data, dict):
        _check_depth(data, MAX_DEPTH - depth + 1)
        raise ResponseShapeError(f"{cls.__name__}: expected a JSON object, got {json_type(data)}")
    checks = _checks(cls)
    try:
        model = cls.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        _check_depth(data, MAX_DEPTH - depth + 1)
        raise ResponseShapeError(_first_problem(cls, checks, data)) from None
    if not checks.hold_for(model):
        _check_depth(data, MAX_DEPTH - depth + 1)
        raise ResponseShapeError(_first_problem(cls, checks, data))
    if checks.keeps_unknown:
        _check_unknown_fields(model, MAX_DEPTH - depth + 1)
    return model


def _raise_item_problem(cls: type, data: list[Any], index: int) -> typing.NoReturn:
    # data[index] is still the JSON value that failed: it is replaced only on success.
    try:
        decode_model(cls, data[index], depth=2)
    except NestedTooDeep:
        raise
    except ResponseShapeError as exc:
        raise ResponseShapeError(f"item {index}: {exc}") from None
    raise ResponseShapeError(f"item {index}: {cls.__name__} does not match the spec")


def decode_list(cls: type[M], data: object) -> list[M]:
    """Build a list of `cls`; `null` (a Go nil slice) is an empty list. Takes ownership of
    `data`: a decoded JSON array is turned into the list of models in place."""
    if data is None:
        return []
    if not isinstance(data, list):
        _check_depth(data, MAX_DEPTH)
        raise ResponseShapeError(f"expected a JSON array of {cls.__name__}, got {json_type(data)}")
    # The fast path, for long lists: one from_dict call per item, and nothing else when the
    # model needs no re-check. Any failure goes back through decode_model for its message.
    checks = _checks(cls)
    from_dict = cls.from_dict
    keeps_unknown = checks.keeps_unknown
    index = 0
    failed = False
    try:
        if checks.allowed:
            hold_for = checks.hold_for
            for index, item in enumerate(data):
                model = from_dict(item)
                if not hold_for(model):
                    failed = True
                    break
                if keeps_unknown:
                    _check_unknown_fields(model, MAX_DEPTH - 1)
                data[index] = model
        else:
            for index, item in enumerate(data):
                # Each model takes its source's place: the decoded JSON object is freed at once
                # and its memory reused, which keeps long listings in cache and halves their
                # peak memory.
                data[index] = model = from_dict(item)
                if keeps_unknown:
                    _check_unknown_fields(model, MAX_DEPTH - 1)
    except (KeyError, TypeError, ValueError, AttributeError):
        failed = True
    if failed:
        _raise_item_problem(cls, data, index)
    return typing.cast(list[M], data)
