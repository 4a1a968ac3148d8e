"""Wire JSON to models and back: the only module that touches cattrs and json.

Record-info sends camelCase, callbacks snake_case, and both stray from their
documented schema (see ``WIRE.md``). Structuring is done by hand-written
hooks, not cattrs' generated ones: a field may have two wire names, each
field must be tolerated on its own, and every poll pays for them (they
measure about 20 % faster than an equivalent ``make_dict_structure_fn``).
The rules:

- a missing, null or wrong-typed optional field becomes ``None`` (or ``()``,
  ``{}``), never a failure of the whole record; empty strings are ``None``;
- an unknown status is :attr:`TaskStatus.UNKNOWN`, its string kept in
  ``status_raw`` (``""`` when missing or not a string);
- timestamps may be epoch milliseconds (seconds below 1e11), numeric strings,
  ``"YYYY-MM-DD HH:MM:SS"`` or ISO 8601; **zone-less times are taken as
  UTC** (the service documents no zone) and all become aware UTC datetimes;
- ``errorCode`` is an int when it reads as one, else the string sent;
- a track without an id is kept with ``id=""`` so no data is lost; entries of
  ``sunoData`` that are not objects are skipped.

Only ``data`` that is not a mapping, or a record with no task id, is an
error: :func:`decode_record` and :func:`decode_track` raise
:class:`DecodeError` and nothing else, whatever they are given. The cattrs
converter turns models back into JSON-ready dicts (:func:`to_jsonable`).
"""

from __future__ import annotations

import functools
import json
import math
import reprlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final, TypeGuard, TypeVar, get_args

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from suno_async._core import models
from suno_async._core.errors import DecodeError
from suno_async._core.kinds import TaskKind

__all__ = [
    "CODEC",
    "SECONDS_BELOW",
    "JsonCodec",
    "decode_error",
    "decode_mapping",
    "decode_record",
    "decode_track",
    "dumps",
    "excerpt",
    "is_mapping",
    "is_record_type",
    "json_codec",
    "loads",
    "parse_datetime",
    "record_fields",
    "record_unstructurer",
    "to_jsonable",
    "wire_error_code",
    "wire_ident",
    "wire_number",
    "wire_param",
    "wire_text",
    "wire_url",
]

#: Epoch numbers below this are seconds, others milliseconds (1e11 s is the
#: year 5138, 1e11 ms March 1973).
SECONDS_BELOW: Final = 1e11
#: Timestamps and tag strings repeat from poll to poll: their parses are cached.
_CACHE_SIZE: Final = 1024
_MAX_CODE: Final = 2**53  # error codes past this are no codes (nor exact floats)
_UTC: Final = timezone.utc
_STATUSES: Final = {status.value: status for status in models.TaskStatus}
#: A track's URL fields and their record-info (camelCase) names.
_URL_KEYS: Final = {
    "audio_url": "audioUrl",
    "stream_audio_url": "streamAudioUrl",
    "image_url": "imageUrl",
    "source_audio_url": "sourceAudioUrl",
    "source_stream_audio_url": "sourceStreamAudioUrl",
    "source_image_url": "sourceImageUrl",
}
#: Callbacks' snake_case track keys that record-info spells in camelCase.
_CAMEL_CASE: Final = {
    **_URL_KEYS,
    "model_name": "modelName",
    "create_time": "createTime",
}
_T = TypeVar("_T")
_EXCERPT: Final = reprlib.Repr()  # bounded, and safe on hostile __repr__s
_EXCERPT.maxlevel = 3
_EXCERPT.maxstring = _EXCERPT.maxother = DecodeError.EXCERPT_CHARS


# -- JSON ----------------------------------------------------------------------


@attrs.frozen
class JsonCodec:
    """A JSON backend: ``loads`` raises ``ValueError``, ``dumps`` gives bytes."""

    name: str
    loads: Callable[[bytes | str], Any]
    dumps: Callable[[Any], bytes]


def _json_loads(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except RecursionError as exc:  # orjson raises a ValueError for this too
        raise ValueError("JSON nested too deeply") from exc


def _json_dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def json_codec(*, use_orjson: bool = True) -> JsonCodec:
    """orjson (the ``speed`` extra) when wanted and importable, else stdlib json."""
    if use_orjson:
        try:
            import orjson
        except ImportError:
            pass
        else:
            return JsonCodec("orjson", orjson.loads, orjson.dumps)
    return JsonCodec("json", _json_loads, _json_dumps)


#: The backend of :func:`loads` and :func:`dumps`.
CODEC: Final = json_codec()


def loads(body: bytes | str) -> Any:
    """Parse JSON; raise ``ValueError`` when it is not JSON."""
    return CODEC.loads(body)


def dumps(obj: Any) -> bytes:
    """Serialize JSON types to compact UTF-8 JSON; ``TypeError`` for others."""
    return CODEC.dumps(obj)


# -- field hooks: each takes any value and never raises --------------------------


def parse_datetime(value: Any) -> datetime | None:
    """Read a wire timestamp as an aware UTC datetime, or ``None``.

    Accepts epoch milliseconds as a number or numeric string (seconds when
    below :data:`SECONDS_BELOW`), ``"YYYY-MM-DD HH:MM:SS"`` and ISO 8601 as
    :meth:`datetime.fromisoformat` reads it, ``Z`` included. **A time
    without a zone is taken as UTC**: the service documents none.
    """
    try:
        if type(value) is int or type(value) is float:
            return _from_epoch(value)
        if isinstance(value, str):
            text = value.strip()
            try:
                number = float(text)
            except ValueError:
                return _from_iso(text)
            return _from_epoch(number)
        if isinstance(value, datetime):
            return _as_utc(value)
    except (ValueError, OverflowError, OSError):  # out of range, NaN, June 31...
        pass
    return None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _from_epoch(number: float) -> datetime:
    seconds = number if abs(number) < SECONDS_BELOW else number / 1000
    return datetime.fromtimestamp(seconds, _UTC)


def _from_iso(text: str) -> datetime:
    if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat lacks it
        text = text[:-1] + "+00:00"
    return _as_utc(datetime.fromisoformat(text))


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC)


def wire_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def wire_url(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def wire_ident(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def wire_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (float, int, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _split_tags(text: str) -> tuple[str, ...]:
    return tuple(filter(None, map(str.strip, text.split(","))))


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return _split_tags(value)
    if isinstance(value, (list, tuple)):
        return tuple(
            filter(None, [tag.strip() for tag in value if isinstance(tag, str)])
        )
    return ()


def wire_error_code(value: Any) -> int | str | None:
    if isinstance(value, str):
        text = value.strip()
        try:
            code = int(text)
        except ValueError:
            return text or None
        return code if abs(code) < _MAX_CODE else text
    number = wire_number(value) if isinstance(value, (int, float)) else None
    if number is not None and number.is_integer() and abs(number) < _MAX_CODE:
        return int(number)
    return None


def _status(value: Any) -> tuple[models.TaskStatus, str]:
    if not isinstance(value, str):
        return models.TaskStatus.UNKNOWN, ""
    status = _STATUSES.get(value)
    if status is None:
        status = _STATUSES.get(value.strip().upper(), models.TaskStatus.UNKNOWN)
    return status, value


def wire_param(value: Any) -> tuple[dict[str, Any], str | None]:
    if isinstance(value, str):
        try:
            decoded = loads(value)
        except ValueError:
            decoded = None
        return (decoded if isinstance(decoded, dict) else {}), value
    if is_mapping(value):
        return dict(value), None
    return {}, None


def is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)


# -- structure hooks ---------------------------------------------------------------


def _camel_case(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A snake_case track with the camelCase keys added (camelCase wins)."""
    merged = dict(obj)
    for snake, camel in _CAMEL_CASE.items():
        if merged.get(camel) is None and snake in merged:
            merged[camel] = merged[snake]
    return merged


def _structure_track(obj: Mapping[str, Any]) -> models.Track:
    if not obj.keys().isdisjoint(_CAMEL_CASE.keys()):
        obj = _camel_case(obj)
    get = obj.get
    return models.Track(
        id=wire_ident(get("id")),
        **{field: wire_url(get(key)) for field, key in _URL_KEYS.items()},
        prompt=wire_text(get("prompt")),
        model_name=wire_text(get("modelName")),
        title=wire_text(get("title")),
        tags=_tags(get("tags")),
        created_at=parse_datetime(get("createTime")),
        duration=wire_number(get("duration")),
    )


def _structure_tracks(items: Sequence[Any]) -> tuple[models.Track, ...]:
    return tuple([_structure_track(item) for item in items if is_mapping(item)])


def _param_of(text: str) -> dict[str, Any]:
    return wire_param(text)[0]


def _structure_record(
    data: Mapping[str, Any], task_id: str | None
) -> models.TaskRecord:
    get = data.get
    task_id = wire_ident(get("taskId")) or wire_ident(get("task_id")) or task_id
    if not task_id:
        raise decode_error("record-info data names no task", data)
    response = get("response")
    items = response.get("sunoData") if is_mapping(response) else None
    tracks: Any = ()
    if type(items) is list and type(data) is dict:
        # JSON as parsed: read when first looked at (its readers never raise)
        tracks = models.Deferred(_structure_tracks, items) if items else ()
    elif isinstance(items, (list, tuple)):
        tracks = _structure_tracks(items)
    status, status_raw = _status(get("status"))
    wire = get("param")
    param: Any
    param_raw: str | None
    if type(wire) is str:
        param, param_raw = models.Deferred(_param_of, wire), wire
    else:
        param, param_raw = wire_param(wire)
    return models.TaskRecord(
        task_id=task_id,
        status=status,
        status_raw=status_raw,
        tracks=tracks,
        operation_type=wire_text(get("operationType")),
        model_family=wire_text(get("type")),
        param=param,
        param_raw=param_raw,
        parent_music_id=wire_text(get("parentMusicId")),
        error_code=wire_error_code(get("errorCode")),
        error_message=wire_text(get("errorMessage")),
        created_at=parse_datetime(get("createTime")),
        raw=data,
    )


def excerpt(value: Any) -> str:
    """A bounded ``repr`` of ``value`` for messages (safe on hostile ``__repr__``)."""
    return _EXCERPT.repr(value)


def decode_error(message: str, value: Any, task_id: str | None = None) -> DecodeError:
    """A :class:`DecodeError` showing an excerpt of ``value``."""
    return DecodeError(message, task_id=task_id, excerpt=_EXCERPT.repr(value))


def decode_mapping(
    data: Any,
    read: Callable[[Mapping[str, Any]], _T],
    *,
    name: str,
    unreadable: str,
    task_id: str | None = None,
) -> _T:
    """``read(data)``; :class:`DecodeError`, and nothing else, when it fails.

    ``data`` that is not a mapping raises ``"{name} is a {type}"``; any
    failure of ``read`` but a :class:`DecodeError` (a hostile Mapping: the
    readers never raise on JSON) raises ``"unreadable {unreadable}: {type}"``.
    """
    if not is_mapping(data):
        raise decode_error(f"{name} is a {type(data).__name__}", data, task_id)
    try:
        return read(data)
    except DecodeError:
        raise
    except Exception as exc:
        raise decode_error(
            f"unreadable {unreadable}: {type(exc).__name__}", data, task_id
        ) from exc


def decode_record(data: Any, *, task_id: str | None = None) -> models.TaskRecord:
    """Read record-info's ``data`` object as a :class:`TaskRecord`.

    ``task_id`` fills in when ``data`` names no task. Raises
    :class:`DecodeError`, and nothing else, when ``data`` is not a mapping or
    no task id is known.
    """
    if type(data) is dict:  # as parsed: no decode_mapping wrapper to pay for
        try:
            return _structure_record(data, task_id)
        except DecodeError:
            raise
        except Exception as exc:  # a value no JSON parser makes
            message = f"unreadable record-info data: {type(exc).__name__}"
            raise decode_error(message, data, task_id) from exc
    return decode_mapping(
        data,
        lambda mapping: _structure_record(mapping, task_id),
        name="record-info data",
        unreadable="record-info data",
        task_id=task_id,
    )


def decode_track(obj: Any) -> models.Track:
    """Read one track, camelCase (record-info) or snake_case (callbacks).

    Raises :class:`DecodeError`, and nothing else, when ``obj`` is not a
    mapping or cannot be read.
    """
    return decode_mapping(obj, _structure_track, name="a track", unreadable="track")


# -- back to JSON ------------------------------------------------------------------

#: Where every record's dict starts and how its shared fields close it.
_RECORD_HEAD: Final = ("task_id", "status", "status_raw")
_RECORD_TAIL: Final = ("error_code", "error_message", "created_at")


def _is_time(type_: Any) -> bool:
    return type_ is datetime or datetime in get_args(type_)


def record_fields(cls: type[models.RecordBase]) -> tuple[attrs.Attribute[Any], ...]:
    """A record class's fields in the order its dicts list them.

    The identity (``task_id``, ``status``, ``status_raw``), the family's own
    fields, then ``error_code``, ``error_message``, ``created_at``, the
    family's times (``completed_at``) and last ``raw``: a music record's
    dict keeps the order it had before the families existed.
    """
    fields = attrs.fields(attrs.resolve_types(cls))
    shared = {field.name for field in attrs.fields(models.RecordBase)}
    by_name = {field.name: field for field in fields}
    own = [field for field in fields if field.name not in shared]
    ordered = [
        *(by_name[name] for name in _RECORD_HEAD),
        *(field for field in own if not _is_time(field.type)),
        *(by_name[name] for name in _RECORD_TAIL),
        *(field for field in own if _is_time(field.type)),
    ]
    return (*ordered, *(field for field in fields if field not in ordered))


def is_record_type(type_: Any) -> bool:
    """Whether ``type_`` is a record class (:class:`RecordBase` or a subclass)."""
    return isinstance(type_, type) and issubclass(type_, models.RecordBase)


_converter: Final = cattrs.Converter(
    unstruct_collection_overrides={Sequence: list, tuple: list}
)
_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_unstructure_hook(models.TaskStatus, lambda status: status.value)
_converter.register_unstructure_hook_func(
    lambda cls: isinstance(cls, type) and issubclass(cls, BaseException),
    lambda exc: {"type": type(exc).__name__, "message": str(exc)},
)
#: Left out of ``--json``: the wire's copies of what the other fields hold.
_JSONABLE_OMITS: Final = frozenset({"raw", "param_raw"})


def record_unstructurer(
    converter: cattrs.Converter, *, omit: frozenset[str] = frozenset()
) -> Callable[[models.RecordBase | None], dict[str, Any] | None]:
    """A function writing a record by its own class, whatever a field's type says.

    The dict lists :func:`record_fields` (less those in ``omit``) through
    ``converter``'s hooks, after ``"kind"`` for every family but music;
    ``None`` stays ``None``. Each class's function is made on its first use.
    """
    made: dict[type[Any], Callable[[Any], dict[str, Any]]] = {}

    def for_class(cls: type[models.RecordBase]) -> Callable[[Any], dict[str, Any]]:
        fields = [f for f in record_fields(cls) if f.name not in omit]
        hooks = [(f.name, converter.get_unstructure_hook(f.type)) for f in fields]
        head = {} if cls.kind is TaskKind.MUSIC else {"kind": cls.kind.value}

        def unstructure(record: Any) -> dict[str, Any]:
            result = dict(head)
            for name, hook in hooks:
                result[name] = hook(getattr(record, name))
            return result

        return unstructure

    def unstructure_record(record: models.RecordBase | None) -> dict[str, Any] | None:
        if record is None:
            return None
        unstructure = made.get(type(record))
        if unstructure is None:
            unstructure = made[type(record)] = for_class(type(record))
        return unstructure(record)

    return unstructure_record


_unstructure_record: Final = record_unstructurer(_converter, omit=_JSONABLE_OMITS)
_converter.register_unstructure_hook_func(is_record_type, _unstructure_record)
# ``record: R`` is a record, by its class
for _generic in (models.TaskEvent, models.TaskOutcome):
    _converter.register_unstructure_hook(
        _generic,
        make_dict_unstructure_fn(
            _generic, _converter, record=override(unstruct_hook=_unstructure_record)
        ),
    )


def to_jsonable(
    obj: models.RecordBase | models.Track | models.TaskEvent | models.TaskOutcome,
) -> dict[str, Any]:
    """A JSON-ready dict of a model, for ``--json`` output.

    Datetimes become ISO 8601 strings and statuses their values; ``raw`` and
    ``param_raw`` are left out; a family's record starts with its ``kind``
    (a music record has none); an error is ``{"type": ..., "message": ...}``.
    """
    result: dict[str, Any] = _converter.unstructure(obj)
    return result
