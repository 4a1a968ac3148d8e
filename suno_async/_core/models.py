"""The SDK's value types: statuses, tracks, task records, events and outcomes.

All are frozen, keyword-only attrs classes. How they are read from the wire
lives in :mod:`suno_async._core.convert`, and how ``to_dict``/``from_dict``
write and read them in :mod:`suno_async._core.serialize`, not here.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, Generic, Protocol, final

import attrs
from typing_extensions import TypeVar

from suno_async._core.kinds import TaskKind

__all__ = [
    "RecordBase",
    "TaskEvent",
    "TaskOutcome",
    "TaskRecord",
    "TaskStatus",
    "Track",
    "install_serializer",
    "serializer",
]

CHECKPOINT_VERSION: Final = 1

_M = TypeVar("_M")


class _Serializer(Protocol):
    """What the models' ``to_dict``, ``to_json`` and ``from_dict`` call."""

    def to_dict(self, model: object, /) -> dict[str, Any]: ...

    def to_json(self, model: object, /) -> str: ...

    def from_dict(self, cls: type[_M], data: Mapping[str, Any], /) -> _M: ...


_INSTALLED: Final[list[_Serializer]] = []


def install_serializer(serializer: _Serializer) -> None:
    """Give the models their ``to_dict``, ``to_json`` and ``from_dict``.

    :mod:`suno_async._core.serialize` installs itself as it is imported (the
    ``_core`` package imports it first). It needs these models and the error
    tree, which names them, so the models cannot import it without a cycle.
    """
    _INSTALLED[:] = [serializer]


def serializer() -> _Serializer:
    """The installed serializer (see :func:`install_serializer`)."""
    return _INSTALLED[0]


@final
class Deferred:
    """A field's value still to be read: ``read(source)``, on its first access.

    The wire decoder stores one in a :func:`deferred_fields` slot so that a
    poll pays only for what its reader looks at; the first read of the
    field replaces it with the value for good.
    """

    __slots__ = ("read", "source")

    def __init__(self, read: Callable[[Any], Any], source: Any) -> None:
        self.read = read
        self.source = source


class _DeferredSlot:
    """An attrs slot whose :class:`Deferred` value is read once, when first read."""

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self._slot.__get__(instance, owner)
        if type(value) is Deferred:
            value = value.read(value.source)
            self._slot.__set__(instance, value)
        return value

    def __set__(self, instance: object, value: Any) -> None:
        self._slot.__set__(instance, value)

    def __delete__(self, instance: object) -> None:
        self._slot.__delete__(instance)


def deferred_fields(cls: type[_M], *names: str) -> type[_M]:
    """Let the slots ``names`` of the frozen attrs class ``cls`` hold :class:`Deferred`.

    Every way of reading such a field (attribute access, ``==``, ``repr``,
    ``attrs.evolve``, pickling, ``to_dict``) sees the value, read on first
    use; the class, its fields and their types stay as declared.
    """
    for name in names:
        setattr(cls, name, _DeferredSlot(cls.__dict__[name]))
    return cls


class TaskStatus(str, enum.Enum):
    """A task's status, as record-info reports it.

    Statuses the SDK does not know decode as :attr:`UNKNOWN` (the raw string
    stays on :attr:`RecordBase.status_raw`) and count as still running.
    ``to_dict`` writes a status as its value; ``TaskStatus(value)`` reads it.
    """

    PENDING = "PENDING"
    TEXT_SUCCESS = "TEXT_SUCCESS"
    FIRST_SUCCESS = "FIRST_SUCCESS"
    SUCCESS = "SUCCESS"
    CREATE_TASK_FAILED = "CREATE_TASK_FAILED"
    GENERATE_AUDIO_FAILED = "GENERATE_AUDIO_FAILED"
    CALLBACK_EXCEPTION = "CALLBACK_EXCEPTION"
    SENSITIVE_WORD_ERROR = "SENSITIVE_WORD_ERROR"
    GENERATE_LYRICS_FAILED = "GENERATE_LYRICS_FAILED"
    GENERATE_WAV_FAILED = "GENERATE_WAV_FAILED"
    GENERATE_MP4_FAILED = "GENERATE_MP4_FAILED"
    GENERATE_MIDI_FAILED = "GENERATE_MIDI_FAILED"
    GENERATE_COVER_FAILED = "GENERATE_COVER_FAILED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_failure(self) -> bool:
        """Whether this status is one of the terminal failures."""
        return self in _FAILURES

    @property
    def is_terminal(self) -> bool:
        """Whether the task can change no more (SUCCESS or a failure)."""
        return self is TaskStatus.SUCCESS or self in _FAILURES

    @property
    def milestone(self) -> int | None:
        """Position on the success path (PENDING 0 ... SUCCESS 3), else ``None``."""
        return _MILESTONE_ORDER.get(self)

    def __str__(self) -> str:
        return self.value


_FAILURES: Final = frozenset(
    {
        TaskStatus.CREATE_TASK_FAILED,
        TaskStatus.GENERATE_AUDIO_FAILED,
        TaskStatus.CALLBACK_EXCEPTION,
        TaskStatus.SENSITIVE_WORD_ERROR,
        TaskStatus.GENERATE_LYRICS_FAILED,
        TaskStatus.GENERATE_WAV_FAILED,
        TaskStatus.GENERATE_MP4_FAILED,
        TaskStatus.GENERATE_MIDI_FAILED,
        TaskStatus.GENERATE_COVER_FAILED,
    }
)
_MILESTONE_ORDER: Final = {
    TaskStatus.PENDING: 0,
    TaskStatus.TEXT_SUCCESS: 1,
    TaskStatus.FIRST_SUCCESS: 2,
    TaskStatus.SUCCESS: 3,
}
#: The milestones a wait reports, in order.
MILESTONES: Final = (
    TaskStatus.TEXT_SUCCESS,
    TaskStatus.FIRST_SUCCESS,
    TaskStatus.SUCCESS,
)


@attrs.frozen(kw_only=True)
class Track:
    """One generated track. Empty URLs on the wire are ``None`` here."""

    id: str
    audio_url: str | None = None
    stream_audio_url: str | None = None
    image_url: str | None = None
    source_audio_url: str | None = None
    source_stream_audio_url: str | None = None
    source_image_url: str | None = None
    prompt: str | None = None
    model_name: str | None = None
    title: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    duration: float | None = None

    @property
    def audio_urls(self) -> tuple[str, ...]:
        """Every playable URL, best first: final audio, stream, then sources."""
        candidates = (
            self.audio_url,
            self.stream_audio_url,
            self.source_audio_url,
            self.source_stream_audio_url,
        )
        return tuple(dict.fromkeys(url for url in candidates if url))

    @property
    def best_audio_url(self) -> str | None:
        """The best playable URL (final audio, then stream, then source)."""
        urls = self.audio_urls
        return urls[0] if urls else None

    def to_dict(self) -> dict[str, Any]:
        """This track as JSON types: ``created_at`` ISO 8601, ``tags`` a list."""
        return serializer().to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        return serializer().to_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Track:
        """The track :meth:`to_dict` wrote; :class:`DecodeError` if malformed."""
        return serializer().from_dict(cls, data)


@attrs.frozen(kw_only=True)
class RecordBase:
    """The fields every family's record shares (see :class:`TaskKind`).

    ``status_raw`` is the status as sent (an integer flag as its digits);
    ``raw`` is the whole ``data`` object, unknown fields included.
    ``error_code`` and ``error_message`` are the service's, as sent: only
    ``status`` tells success from failure (a cover image's success carries
    ``error_code`` 200). :attr:`kind` names the family.
    """

    kind: ClassVar[TaskKind] = TaskKind.MUSIC

    task_id: str
    status: TaskStatus
    status_raw: str
    error_code: int | str | None = None
    error_message: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """This record as JSON types, with its ``kind``; :meth:`from_dict` reads it."""
        return serializer().to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        return serializer().to_json(self)

    @classmethod
    def from_dict(cls: type[_B], data: Mapping[str, Any]) -> _B:
        """The record :meth:`to_dict` wrote; :class:`DecodeError` if malformed.

        Called on :class:`RecordBase` itself, the dict's ``kind`` picks the
        family's class.
        """
        return serializer().from_dict(cls, data)


_B = TypeVar("_B", bound=RecordBase)
#: The record type of a wait's events: the music :class:`TaskRecord` unless said.
R = TypeVar("R", bound=RecordBase, default="TaskRecord")


@attrs.frozen(kw_only=True)
class TaskRecord(RecordBase):
    """What record-info tells about one music task.

    ``status_raw`` is the status string as sent; ``model_family`` is the
    wire's ``type`` (``chirp-v4``, ``chirp-crow``...); ``param`` the decoded
    creation parameters (empty when the wire's string was not JSON) and
    ``param_raw`` the string as sent. ``raw`` is the whole ``data`` object,
    unknown fields included. Read from the wire, ``tracks`` and ``param``
    are decoded from ``raw`` when first read, once (so ``raw`` is not to be
    changed in place).
    """

    tracks: tuple[Track, ...] = ()
    operation_type: str | None = None
    model_family: str | None = None
    param: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    param_raw: str | None = attrs.field(default=None, repr=False)
    parent_music_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """This record as JSON types, ``param``, ``param_raw`` and ``raw`` included.

        Statuses are their values, datetimes ISO 8601 strings with their
        offset, tracks dicts; an unknown status keeps its string in
        ``status_raw``. :meth:`RecordBase.from_dict` gives back an equal record.
        """
        return serializer().to_dict(self)


# Decoded from ``raw`` on first read: a poll that never looks at them is cheaper.
deferred_fields(TaskRecord, "tracks", "param")


@attrs.frozen(kw_only=True)
class TaskEvent(Generic[R]):
    """A milestone reached by a waited task.

    ``previous`` is the milestone before it (PENDING before TEXT_SUCCESS);
    ``inferred`` is true when the task passed this milestone between two
    polls and the SDK only saw a later status; ``elapsed`` is seconds since
    polling of the task began (waits that share a poll loop share it);
    ``polls`` and ``retries`` count the wait's requests.
    """

    task_id: str
    status: TaskStatus
    previous: TaskStatus | None
    record: R
    inferred: bool = False
    elapsed: float = 0.0
    polls: int = 0
    retries: int = 0

    def checkpoint(self) -> str:
        """A small versioned JSON string to resume the wait from this event.

        Pass it as ``wait_for_task(task_id, resume=...)``: milestones up to
        this one are not emitted again.
        """
        return json.dumps(
            {
                "v": CHECKPOINT_VERSION,
                "task_id": self.task_id,
                "reached": self.status.value,
            },
            separators=(",", ":"),
        )

    def to_dict(self) -> dict[str, Any]:
        """This event as JSON types, its record as :meth:`TaskRecord.to_dict`.

        For resuming a wait, :meth:`checkpoint` is smaller.
        """
        return serializer().to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        return serializer().to_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskEvent[Any]:
        """The event :meth:`to_dict` wrote; :class:`DecodeError` if malformed."""
        return serializer().from_dict(cls, data)


@attrs.frozen(kw_only=True)
class TaskOutcome(Generic[R]):
    """How one task of :meth:`SunoClient.wait_many` ended: a record or an error."""

    task_id: str
    record: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """Whether the task reached its goal."""
        return self.error is None

    def unwrap(self) -> R:
        """The record, or raise the error."""
        if self.error is not None:
            raise self.error
        assert self.record is not None
        return self.record

    def to_dict(self) -> dict[str, Any]:
        """This outcome as JSON types; an error as a dict.

        An SDK error is ``{"type": "TaskFailedError", "message": ...}`` and
        the attributes it carries (``task_id``, ``code``, ``record``...);
        another exception only its type's name and ``str()``.
        """
        return serializer().to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        return serializer().to_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskOutcome[Any]:
        """The outcome :meth:`to_dict` wrote; :class:`DecodeError` if malformed.

        An SDK error comes back as a new exception of its class with the same
        ``str()`` and attributes (exceptions compare by identity, so not
        ``==``); another exception as a :class:`SunoError` whose message
        starts with its type's name.
        """
        return serializer().from_dict(cls, data)
