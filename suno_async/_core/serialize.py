"""The models to JSON-safe dicts and back: ``to_dict``, ``to_json``, ``from_dict``.

One private cattrs converter holds every rule; the models' methods only call
:func:`to_dict`, :func:`to_json` and :func:`from_dict` here. Unlike
:mod:`suno_async._core.convert`, which reads the service's wire tolerantly,
this is an exact and strict inverse: ``Model.from_dict(m.to_dict()) == m``,
and input that ``to_dict`` could not have written raises :class:`DecodeError`.

Output
    Field names as on the models, in their order; a record's are those of
    :func:`~suno_async._core.convert.record_fields` (``task_id``,
    ``status``, ``status_raw``, the family's fields, ``error_code``,
    ``error_message``, ``created_at``, the family's times, ``raw``), after
    ``"kind"`` for every family but music. A record is written by its own
    class wherever it sits (an event's, an outcome's, an error's).
    Datetimes are ISO 8601 strings with their offset, statuses their
    values, tuples lists, paths strings; ``raw`` and ``param`` are copied
    as JSON (mappings become dicts, tuples lists), ``param_raw`` kept:
    nothing is lost. :func:`to_json` is compact JSON with sorted keys, so
    equal models give equal strings.

Errors (:attr:`TaskOutcome.error`)
    An SDK error becomes ``{"type": class name, "message": ...}`` plus each
    attribute of :class:`_ErrorFields` the error carries (``task_id``,
    ``code``, ``record``, ``last_error``, an OSError's ``errno``...);
    properties derived from them (``status``, ``error_code``...) are not
    repeated. ``from_dict`` calls the class's constructor with the arguments
    it takes (making those no attribute holds, see :data:`_MADE_ARGUMENTS`),
    then sets the other attributes and the message. Exceptions compare by
    identity, so the round trip gives an equal error, not an ``==`` one:
    same class, same ``str()``, same public attributes (nested errors
    compared alike). Any other exception is written as its qualified type
    name and ``str()``, and read back as a :class:`SunoError` whose message
    is ``"<type>: <message>"``.

Reading
    A record's class is its dict's ``kind`` where the type asked allows
    several (:class:`RecordBase`, an event's or outcome's ``record``, an
    error's); without ``kind`` it is the class asked, a music
    :class:`TaskRecord` for :class:`RecordBase`. A ``kind`` that is no
    :class:`TaskKind` value, or names a class other than the one asked
    (``WavRecord.from_dict`` of a lyrics dict), is an error.

    Unknown keys are ignored (a newer version's dicts still read), missing
    optional fields take their defaults; a wrong type, a status that is no
    :class:`TaskStatus` value, or a missing required field raises
    :class:`DecodeError` listing every problem with its path
    (``@ $.tracks[0].id``), and nothing else escapes.

Why this module installs itself into the models (:func:`install_serializer`)
rather than being imported by them: it needs the error tree, and
``errors.py`` names the models in its annotations, so an import from
``models.py`` would close a cycle. ``models.py`` states what it needs as a
protocol; the ``_core`` package imports this module first, and it installs
itself as it is imported.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from suno_async._core import errors
from suno_async._core.convert import (
    excerpt,
    is_record_type,
    record_unstructurer,
)
from suno_async._core.errors import DecodeError, SunoError
from suno_async._core.family_records import RECORD_TYPES
from suno_async._core.models import (
    RecordBase,
    TaskEvent,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    install_serializer,
)

__all__ = ["from_dict", "to_dict", "to_json"]

_T = TypeVar("_T")
#: The SDK's exception classes by name, as ``type`` names them.
_SDK_ERRORS: Final[Mapping[str, type[SunoError]]] = {
    name: value
    for name in errors.__all__
    if isinstance(value := getattr(errors, name), type) and issubclass(value, SunoError)
}
#: Each family's record class, by the ``kind`` its dicts carry.
_RECORD_CLASSES: Final[Mapping[str, type[RecordBase]]] = {
    kind.value: cls for kind, cls in RECORD_TYPES.items()
}


@attrs.frozen(kw_only=True)
class _ErrorFields:
    """An SDK error as a dict: every attribute some error class carries, in order.

    Only the keys an error has are written; the defaults are never used.
    """

    type: str
    message: str
    task_id: str | None = None
    code: int | None = None
    http_status: int | None = None
    retry_after: float | None = None
    existing_task_id: str | None = None
    key_source: str | None = None
    connected: bool = True
    excerpt: str = ""
    record: RecordBase | None = None
    timeout: float = 0.0
    last_record: RecordBase | None = None
    last_error: Exception | None = None
    elapsed: float = 0.0
    polls: int = 0
    track_id: str | None = None
    reasons: tuple[str, ...] = ()
    saved: tuple[Path, ...] = ()
    path: Path | None = None
    errno: int | None = None
    strerror: str | None = None
    filename: str | None = None


def _os_error(fields: _ErrorFields) -> OSError:
    return OSError(fields.errno, fields.strerror, fields.filename)


#: Constructor arguments no attribute holds, made from those that do.
_MADE_ARGUMENTS: Final[Mapping[str, Callable[[_ErrorFields], object]]] = {
    "error": _os_error,  # LocalFileError's cause
}


class _Invalid(ValueError):
    """A value of the wrong shape; its message is shown as is."""


def _kind(value: object) -> str:
    """How a value reads in JSON terms, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _expect(kind: str, value: object) -> _Invalid:
    return _Invalid(f"expected {kind}, got {_kind(value)}")


# -- JSON values (raw, param) ------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value copied: mappings become dicts, tuples lists."""
    cls = type(value)
    if cls is str or cls is int or cls is float or cls is bool or value is None:
        return value
    if cls is dict or isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if cls is list or cls is tuple:
        return [_plain(item) for item in value]
    return _converter.unstructure(value)  # a datetime, status... put there by hand


def _structure_mapping(value: Any, _: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _expect("an object", value)
    return {key: _plain(item) for key, item in value.items()}


def _is_json_mapping(type_: Any) -> bool:
    return get_origin(type_) is Mapping


def _mapping_hook(type_: Any) -> Callable[[Any, object], dict[str, Any]]:
    """``Mapping[str, Any]`` copied as JSON; ``Mapping[str, X]`` checked per item."""
    value_type = get_args(type_)[1]
    if value_type is Any:
        return _structure_mapping
    structure_item = _converter.get_structure_hook(value_type)

    def structure(value: Any, _: object) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _expect("an object", value)
        items, problems = {}, []
        for key, item in value.items():
            try:
                if not isinstance(key, str):
                    raise _expect("a string key", key)
                items[key] = structure_item(item, value_type)
            except Exception as exc:
                _note(
                    exc,
                    IterableValidationNote(
                        f"Structuring {type_!r} @ key {key!r}", key, value_type
                    ),
                )
                problems.append(exc)
        if problems:
            raise cattrs.IterableValidationError("invalid items", problems, type_)
        return items

    return structure


# -- scalars: strict, a number is no string -----------------------------------------


def _structure_str(value: Any, _: object) -> str:
    if not isinstance(value, str):
        raise _expect("a string", value)
    return value


def _structure_int(value: Any, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _expect("an integer", value)
    return value


def _structure_float(value: Any, _: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _expect("a number", value)
    return value


def _structure_bool(value: Any, _: object) -> bool:
    if not isinstance(value, bool):
        raise _expect("a boolean", value)
    return value


def _structure_code(value: Any, _: object) -> int | str | None:
    if value is None or isinstance(value, str):
        return value
    return _structure_int(value, None)


def _is_code(type_: Any) -> bool:
    return set(get_args(type_)) == {int, str, type(None)}


def _structure_status(value: Any, _: object) -> TaskStatus:
    if isinstance(value, str):
        try:
            return TaskStatus(value)
        except ValueError:
            pass
    raise _Invalid(f"expected a TaskStatus value, got {excerpt(value)}")


def _structure_datetime(value: Any, _: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith("Z") else value
        try:
            return datetime.fromisoformat(text)  # Python 3.10's lacks "Z"
        except ValueError:
            pass
    raise _Invalid(f"expected an ISO 8601 time, got {excerpt(value)}")


def _structure_path(value: Any, _: object) -> Path:
    return Path(_structure_str(value, None))


# -- containers --------------------------------------------------------------------


def _note(exc: Exception, note: IterableValidationNote) -> None:
    """Say where in a container ``exc`` happened (``$.tags[1]``, ``$.stems['x']``)."""
    if sys.version_info >= (3, 11):
        exc.add_note(note)
    else:  # pragma: no cover - Python 3.10 has no add_note()
        notes = [*getattr(exc, "__notes__", []), note]
        exc.__notes__ = notes  # type: ignore[attr-defined]


def _is_tuple(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(type_: Any) -> Callable[[Any, object], tuple[Any, ...]]:
    """``tuple[X, ...]`` from an array only (never from a string), item by item."""
    item_type = get_args(type_)[0]
    structure_item = _converter.get_structure_hook(item_type)

    def structure(value: Any, _: object) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise _expect("an array", value)
        items, problems = [], []
        for index, item in enumerate(value):
            try:
                items.append(structure_item(item, item_type))
            except Exception as exc:
                where = f"Structuring {type_!r} @ index {index}"
                _note(exc, IterableValidationNote(where, index, item_type))
                problems.append(exc)
        if problems:
            raise cattrs.IterableValidationError("invalid items", problems, type_)
        return tuple(items)

    return structure


def _attrs_hook(cls: type[Any]) -> Callable[[Any, object], Any]:
    """An attrs class from an object only (a list is no record)."""
    return _object_hook(cls, make_dict_structure_fn(cls, _converter))


def _object_hook(
    cls: type[Any], structure_fields: Callable[[Any, type[Any]], Any]
) -> Callable[[Any, object], Any]:
    """``structure_fields`` on an object only."""

    def structure(value: Any, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _expect("an object", value)
        return structure_fields(value, cls)

    return structure


# -- records: the class by its kind ------------------------------------------------


def _record_class(value: Mapping[str, Any], asked: type[RecordBase]) -> type[Any]:
    """The class to read ``value`` as: its ``kind``'s, which must fit ``asked``.

    Without a ``kind``, the class asked (a music :class:`TaskRecord` when
    that is :class:`RecordBase`).
    """
    kind = value.get("kind")
    if kind is None:
        return TaskRecord if asked is RecordBase else asked
    cls = _RECORD_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise _Invalid(f"expected a TaskKind value as kind, got {excerpt(kind)}")
    if not issubclass(cls, asked):
        raise _Invalid(f"expected kind {asked.kind.value!r}, got {kind!r}")
    return cls


def _record_hook(asked: type[RecordBase]) -> Callable[[Any, object], Any]:
    """A record of the class its ``kind`` names (see :func:`_record_class`)."""

    def structure(value: Any, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _expect("an object", value)
        cls = _record_class(value, asked)
        return _RECORD_STRUCTURERS[cls](value, cls)

    return structure


_any_record: Final = _record_hook(RecordBase)


def _optional_record(value: Any, _: object) -> Any:
    return None if value is None else _any_record(value, RecordBase)


# -- errors ------------------------------------------------------------------------


def _qualified_name(cls: type[BaseException]) -> str:
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _unstructure_error(exc: BaseException) -> dict[str, Any]:
    cls = type(exc)
    if not isinstance(exc, SunoError) or _SDK_ERRORS.get(cls.__name__) is not cls:
        return {"type": _qualified_name(cls), "message": str(exc)}
    result: dict[str, Any] = {"type": cls.__name__, "message": exc.message}
    for field in _ERROR_ATTRIBUTES:
        if hasattr(exc, field.name):
            value = getattr(exc, field.name)
            result[field.name] = _converter.unstructure(value, field.type)
    return result


def _structure_error(value: Any, _: object) -> Exception:
    fields = _converter.structure(value, _ErrorFields)
    cls = _SDK_ERRORS.get(fields.type)
    if cls is None:
        return SunoError(f"{fields.type}: {fields.message}")
    given = {
        name: getattr(fields, name)
        for name in value.keys() & _ERROR_NAMES
        if name not in ("type", "message")
    }
    parameters = inspect.signature(cls).parameters
    arguments = {name: item for name, item in given.items() if name in parameters}
    for name, make in _MADE_ARGUMENTS.items():
        if name in parameters:
            arguments[name] = make(fields)
    if "message" in parameters:
        arguments["message"] = fields.message
    missing = [
        name
        for name, parameter in parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and name not in arguments
    ]
    if missing:
        raise _Invalid(f"a {fields.type} needs {', '.join(missing)}")
    try:
        exc = cls(**arguments)
    except Exception as error:
        raise _Invalid(f"cannot build a {fields.type}: {error!r}") from error
    for name, item in given.items():  # attributes no constructor takes
        if name not in arguments and hasattr(exc, name) and getattr(exc, name) != item:
            setattr(exc, name, item)
    if exc.message != fields.message:  # messages that constructors compose
        exc.message = fields.message
        exc.args = (fields.message,)
    return exc


# -- the converter -----------------------------------------------------------------

_converter: Final = cattrs.Converter(unstruct_collection_overrides={tuple: list})
_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_unstructure_hook(TaskStatus, lambda status: status.value)
_converter.register_unstructure_hook(PurePath, str)
_converter.register_unstructure_hook_func(_is_json_mapping, _plain)
_converter.register_unstructure_hook_func(
    lambda cls: isinstance(cls, type) and issubclass(cls, BaseException),
    _unstructure_error,
)

_converter.register_structure_hook(str, _structure_str)
_converter.register_structure_hook(int, _structure_int)
_converter.register_structure_hook(float, _structure_float)
_converter.register_structure_hook(bool, _structure_bool)
_converter.register_structure_hook(datetime, _structure_datetime)
_converter.register_structure_hook(TaskStatus, _structure_status)
_converter.register_structure_hook(Path, _structure_path)
_converter.register_structure_hook(Exception, _structure_error)
_converter.register_structure_hook_factory(_is_json_mapping, _mapping_hook)
_converter.register_structure_hook_func(_is_code, _structure_code)
_converter.register_structure_hook_factory(_is_tuple, _tuple_hook)
_converter.register_structure_hook_factory(attrs.has, _attrs_hook)
# Records: after attrs.has, so that it wins; ``record: R`` read by its kind.
#: A record by its own class (with its ``kind``), whatever the field's type.
_unstructure_record: Final = record_unstructurer(_converter)
_converter.register_unstructure_hook_func(is_record_type, _unstructure_record)
_converter.register_structure_hook_factory(is_record_type, _record_hook)
#: The fields of each record class (the dict's ``kind`` already checked).
_RECORD_STRUCTURERS: Final = {
    cls: make_dict_structure_fn(cls, _converter) for cls in _RECORD_CLASSES.values()
}
for _generic, _record in ((TaskEvent, _any_record), (TaskOutcome, _optional_record)):
    _converter.register_unstructure_hook(
        _generic,
        make_dict_unstructure_fn(
            _generic, _converter, record=override(unstruct_hook=_unstructure_record)
        ),
    )
    _converter.register_structure_hook(
        _generic,
        _object_hook(
            _generic,
            make_dict_structure_fn(
                _generic, _converter, record=override(struct_hook=_record)
            ),
        ),
    )

_ERROR_ATTRIBUTES: Final = attrs.fields(attrs.resolve_types(_ErrorFields))[2:]
_ERROR_NAMES: Final = frozenset(field.name for field in _ERROR_ATTRIBUTES)


# -- the models' methods -----------------------------------------------------------


def to_dict(model: object) -> dict[str, Any]:
    """A model as a dict of JSON types (see the module's docstring)."""
    result: dict[str, Any] = _converter.unstructure(model)
    return result


def to_json(model: object) -> str:
    """:func:`to_dict` as compact JSON, keys sorted."""
    return json.dumps(
        to_dict(model), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )


def _format(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, _Invalid):
        return str(exc)
    return format_exception(exc, type_)


def from_dict(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """The model of type ``cls`` that :func:`to_dict` wrote as ``data``.

    Raises :class:`DecodeError`, and nothing else, when ``data`` is not such
    a dict; its message lists each problem and where (``@ $.tracks[0].id``).
    """
    try:
        return _converter.structure(data, cls)
    except Exception as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            problems = cattrs.transform_error(exc, format_exception=_format)
        elif isinstance(exc, _Invalid):
            problems = [f"{exc} @ $"]
        else:  # a hostile Mapping: the hooks raise nothing else on plain data
            problems = [f"unreadable: {type(exc).__name__} @ $"]
        raise DecodeError(
            f"not a {cls.__name__} dict: {'; '.join(problems)}",
            task_id=_task_id(data),
            excerpt=excerpt(data),
        ) from exc


def _task_id(data: object) -> str | None:
    try:
        task_id = data.get("task_id") if isinstance(data, Mapping) else None
    except Exception:
        return None
    return task_id if isinstance(task_id, str) else None


class _Installed:
    """This module's three functions, as :func:`install_serializer` takes them."""

    def to_dict(self, model: object, /) -> dict[str, Any]:
        return to_dict(model)

    def to_json(self, model: object, /) -> str:
        return to_json(model)

    def from_dict(self, cls: type[_T], data: Mapping[str, Any], /) -> _T:
        return from_dict(cls, data)


install_serializer(_Installed())
