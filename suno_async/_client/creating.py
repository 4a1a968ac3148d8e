"""The calls of :class:`SunoClient` that send something other than a read.

Creating calls (music and every other family), the synchronous calls that are
answered at once, the account's credits and file uploads. :class:`CreatingCalls`
is ``SunoClient``'s base class and owns its own state, given explicitly to its
``__init__`` (the transport, the :class:`TaskCreator`, the upload host): the
facade's module keeps the wiring, reading and waiting.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Final, TypeVar

from suno_async._client.tracking import Tracking
from suno_async._core.errors import ClientClosedError, SunoError
from suno_async._core.family_bodies import SeparationMode
from suno_async._core.family_records import (
    CoverImageRecord,
    LyricsRecord,
    MidiRecord,
    VideoRecord,
    VocalRemovalRecord,
    WavRecord,
)
from suno_async._core.handles import TaskHandle
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskRecord
from suno_async._core.operations import DEFAULT_MODEL, SongOptions
from suno_async._core.providers import DEFAULT_WAIT_TIMEOUT
from suno_async._core.sync_results import BoostedStyle, Persona, TimestampedLyrics
from suno_async._core.uploads import (
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_UPLOAD_PATH,
    DEFAULT_UPLOAD_TIMEOUT,
    UploadedFile,
    UploadSource,
)
from suno_async._engine.creation import TaskCreator
from suno_async._io.http import Transport
from suno_async._io.upload import upload_file

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = ["CreateOptions", "CreatingCalls"]

_R = TypeVar("_R", bound=RecordBase)

_URL_START: Final = re.compile(r"\s*https?://", re.IGNORECASE)


class CreateOptions(SongOptions, total=False):
    """:class:`SongOptions`, and ``track`` and ``meta`` for the music creations.

    ``track=True`` journals the new task with ``meta`` in the same step
    (:meth:`SunoClient.track`, with the default deadline).
    """

    track: bool
    meta: Any


class CreatingCalls:
    """Creations, synchronous calls, credits and uploads over one transport."""

    def __init__(
        self,
        *,
        transport: Transport,
        creator: TaskCreator,
        upload_base_url: str,
        tracking: Tracking,
    ) -> None:
        self._transport = transport
        self._creator = creator
        self._upload_base_url = upload_base_url
        self._tracking = tracking

    @property
    def closed(self) -> bool:
        """Whether the client was closed (it cannot be reopened)."""
        return self._transport.closed

    def _check_open(self, task_id: str | None = None) -> None:
        if self.closed:
            raise ClientClosedError(
                "the client is closed and cannot be reused; create a new one",
                task_id=task_id,
            )

    # --- creating tasks ----------------------------------------------------------

    async def generate(
        self,
        *,
        prompt: str | None = None,
        custom_mode: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        persona_id: str | None = None,
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Create a song (two tracks) from a prompt; return the new task's handle.

        Outside custom mode ``prompt`` describes the song (500 characters at
        most). With ``custom_mode=True``, ``style`` and ``title`` are
        required and ``prompt`` holds the lyrics (required unless
        ``instrumental``); lengths depend on ``model`` (any name is
        accepted). ``options`` are the :class:`SongOptions` every creating
        call takes (weights, ``vocal_gender``, ``callback_url``, ``extra``);
        ``callback_url`` or the client's is required. A broken rule raises
        :class:`InvalidArgumentError` (also ``ValueError``) naming the field
        and the limit, before anything is sent. The request is retried only
        while no task can have been made (connection failures, rate-limit
        and maintenance answers); other failures raise at once, as the task
        may exist (the how-to "From prompt to MP3" has the table). The
        :class:`TaskHandle` returned is the task id (a ``str``) and knows its
        family. ``track=True`` journals the new task at once with ``meta``
        (:meth:`SunoClient.track`, the default deadline), as every creating
        call does.
        """
        return await self._create("generate", locals())

    async def extend(
        self,
        *,
        audio_id: str,
        custom_params: bool = False,
        model: str = DEFAULT_MODEL,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        persona_id: str | None = None,
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Extend the track ``audio_id``; return the new task's id.

        By default the source track's parameters are reused. With
        ``custom_params=True`` (the wire's ``defaultParamFlag``), ``prompt``,
        ``style``, ``title`` and ``continue_at`` (seconds into the source,
        above 0) are required. ``model`` should be the source track's.
        Otherwise as :meth:`generate`.
        """
        return await self._create("extend", locals())

    async def upload_cover(
        self,
        *,
        upload_url: str | os.PathLike[str],
        prompt: str | None = None,
        custom_mode: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        persona_id: str | None = None,
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Cover the audio at ``upload_url`` in a new style; return the task's id.

        The rules of :meth:`generate` apply, with ``upload_url`` (http or
        https) always required.
        """
        return await self._create("upload_cover", locals())

    async def upload_extend(
        self,
        *,
        upload_url: str | os.PathLike[str],
        custom_params: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        persona_id: str | None = None,
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Extend the audio at ``upload_url``; return the new task's id.

        With ``custom_params=True``, ``style``, ``title`` and ``continue_at``
        are required, and ``prompt`` unless ``instrumental``. Otherwise as
        :meth:`extend`.
        """
        return await self._create("upload_extend", locals())

    async def add_instrumental(
        self,
        *,
        upload_url: str | os.PathLike[str],
        title: str,
        tags: str,
        negative_tags: str,
        model: str = "V4_5PLUS",
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Add an accompaniment to the vocals at ``upload_url``; return the task's id.

        ``tags`` describe the wanted style, ``negative_tags`` what to avoid.
        Otherwise as :meth:`generate`.
        """
        return await self._create("add_instrumental", locals())

    async def add_vocals(
        self,
        *,
        upload_url: str | os.PathLike[str],
        prompt: str,
        title: str,
        style: str,
        negative_tags: str,
        model: str = "V4_5PLUS",
        **options: Unpack[CreateOptions],
    ) -> TaskHandle[TaskRecord]:
        """Sing ``prompt`` over the music at ``upload_url``; return the task's id.

        Otherwise as :meth:`generate`.
        """
        return await self._create("add_vocals", locals())

    # --- the other families (see FAMILIES.md); rules: _core/family_bodies.py -------

    async def generate_lyrics(
        self,
        prompt: str,
        *,
        callback_url: str | None = None,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[LyricsRecord]:
        """Write lyrics (2 or 3 variants) from ``prompt`` (200 characters at most).

        Like every creation: ``callback_url`` or the client's is required;
        a broken rule raises :class:`InvalidArgumentError` before anything
        is sent; the request is retried only while no task can have been
        made; ``track=True`` journals the task with ``meta``
        (:meth:`SunoClient.track`). Wait for the handle to get a
        :class:`LyricsRecord`.
        """
        return await self._create_family(TaskKind.LYRICS, locals())

    async def convert_to_wav(
        self,
        *,
        task_id: str,
        audio_id: str,
        callback_url: str | None = None,
        reuse_existing: bool = False,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[WavRecord]:
        """Convert the track ``audio_id`` of music task ``task_id`` to WAV.

        A track converted before raises :class:`DuplicateTaskError` (409);
        with ``reuse_existing=True`` the existing task's handle is returned
        instead when the service names it ("create or reuse", one line)::

            wav = await client.convert_to_wav(
                task_id=song, audio_id=track.id, reuse_existing=True
            )
        """
        return await self._create_family(TaskKind.WAV, locals())

    async def separate_vocals(
        self,
        *,
        task_id: str,
        audio_id: str | None = None,
        audio_url: str | os.PathLike[str] | None = None,
        mode: SeparationMode = "separate_vocal",
        stem_name: str | None = None,
        callback_url: str | None = None,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[VocalRemovalRecord]:
        """Split a track into vocals and instrumental, or stems (charged each call).

        Pass exactly one of ``audio_id`` (a track of music task ``task_id``)
        and ``audio_url`` (an uploaded file's http(s) URL). ``mode`` is
        ``"separate_vocal"``, ``"split_stem"`` (12 stems) or
        ``"split_stem_advanced"``, which alone takes (and needs)
        ``stem_name``, one instrument.
        """
        return await self._create_family(TaskKind.VOCAL_REMOVAL, locals())

    async def generate_midi(
        self,
        *,
        task_id: str,
        audio_id: str | None = None,
        callback_url: str | None = None,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[MidiRecord]:
        """Transcribe a completed vocal removal ``task_id`` to MIDI.

        ``audio_id`` picks one separated stem (:attr:`SeparatedStem.id`);
        without it every stem is transcribed.
        """
        return await self._create_family(TaskKind.MIDI, locals())

    async def create_video(
        self,
        *,
        task_id: str,
        audio_id: str,
        author: str | None = None,
        domain_name: str | None = None,
        callback_url: str | None = None,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[VideoRecord]:
        """Make an MP4 video of a track; ``author`` and ``domain_name`` (a
        watermark) take 50 characters at most each."""
        return await self._create_family(TaskKind.VIDEO, locals())

    async def generate_cover_image(
        self,
        *,
        task_id: str,
        callback_url: str | None = None,
        reuse_existing: bool = False,
        track: bool = False,
        meta: Any = None,
    ) -> TaskHandle[CoverImageRecord]:
        """Make cover images (usually 2) for the completed music task ``task_id``.

        One cover per music task: a repeat raises :class:`DuplicateTaskError`
        naming the existing task, or returns its handle with
        ``reuse_existing=True``::

            cover = await client.generate_cover_image(task_id=song, reuse_existing=True)
        """
        return await self._create_family(TaskKind.COVER_IMAGE, locals())

    # --- synchronous calls (the answer is the result; retried as creations) -------

    async def get_timestamped_lyrics(
        self, *, task_id: str, audio_id: str
    ) -> TimestampedLyrics:
        """The lyrics of track ``audio_id`` (of music task ``task_id``), word by
        word with times in seconds; no words for an instrumental."""
        return await self._open_creator().timestamped_lyrics(
            task_id=task_id, audio_id=audio_id
        )

    async def boost_style(self, content: str) -> BoostedStyle:
        """Expand a style description into a richer one (charged in credits).

        A boost the service reports failed raises the :class:`APIError` its
        ``errorCode`` means (400: :class:`InvalidRequestError`).
        """
        return await self._open_creator().boost_style(content)

    async def generate_persona(
        self,
        *,
        task_id: str,
        audio_id: str,
        name: str,
        description: str,
        vocal_start: float = 0.0,
        vocal_end: float = 30.0,
        style: str | None = None,
    ) -> Persona:
        """Make a persona from the voice of a completed track; its id goes to
        creations' ``persona_id``.

        The vocal window (``vocal_start`` >= 0, 10 to 30 s long, 0.01 s
        steps) is checked before sending; a track with a persona already
        raises :class:`DuplicateTaskError` (409).
        """
        return await self._open_creator().persona(locals())

    async def get_credits(self) -> int:
        """The account's remaining credits: one request, not retried.

        Read from the provider's credits path (``/api/v1/chat/credit`` on
        Apikley and kie.ai, ``/api/v1/generate/credit`` on sunoapi.org).
        """
        return await self._open_creator().get_credits()

    async def _create(
        self, name: str, arguments: dict[str, Any]
    ) -> TaskHandle[TaskRecord]:
        """Send creation ``name`` from a creating method's ``locals()``."""
        options = arguments.pop("options")
        if unknown := sorted(options.keys() - CreateOptions.__optional_keys__):
            raise TypeError(
                f"{name}() got an unexpected keyword argument {unknown[0]!r}"
            )
        track, meta = options.pop("track", False), options.pop("meta", None)
        encoded = self._tracking.encode(meta) if track else None
        arguments = await self._hosted(arguments, "upload_url")
        handle = await self._open_creator().create(name, {**arguments, **options})
        return await self._journaled(handle, encoded)

    async def _create_family(
        self, kind: TaskKind, arguments: dict[str, Any]
    ) -> TaskHandle[Any]:
        """Send a ``kind`` creation from its creating method's ``locals()``."""
        track, meta = arguments.pop("track"), arguments.pop("meta")
        encoded = self._tracking.encode(meta) if track else None
        if arguments.get("audio_id") is None:  # both: refused, nothing uploaded
            arguments = await self._hosted(arguments, "audio_url")
        handle = await self._open_creator().create_family(kind, arguments)
        return await self._journaled(handle, encoded)

    async def _journaled(
        self, handle: TaskHandle[_R], meta: str | None
    ) -> TaskHandle[_R]:
        """``handle``, journaled first with ``meta`` unless that is ``None``.

        If the journal fails, the error names the task just created.
        """
        if meta is not None:
            try:
                await self._tracking.add(
                    handle, kind=handle.kind, meta=meta, timeout=DEFAULT_WAIT_TIMEOUT
                )
            except SunoError as exc:
                exc.task_id = exc.task_id or str(handle)
                raise
        return handle

    async def _hosted(self, arguments: dict[str, Any], key: str) -> dict[str, Any]:
        """``arguments`` with a local file at ``key`` uploaded, and its URL there."""
        value = arguments.get(key)
        if value is None or (isinstance(value, str) and _URL_START.match(value)):
            return arguments  # a URL: the body's checks judge it
        uploaded = await self.upload_file(value)
        return {**arguments, key: uploaded.download_url}

    def _open_creator(self) -> TaskCreator:
        """The creator, once the client is known to be open."""
        self._check_open()
        return self._creator

    # --- files ---------------------------------------------------------------

    async def upload_file(
        self,
        source: UploadSource,
        *,
        upload_path: str = DEFAULT_UPLOAD_PATH,
        file_name: str | None = None,
        max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        timeout: float = DEFAULT_UPLOAD_TIMEOUT,
    ) -> UploadedFile:
        """Host a file on the provider's upload service; its ``download_url``.

        ``source`` is a local path (streamed from disk), bytes, or an http(s)
        URL the service fetches. Sizes over ``max_bytes`` are refused before
        sending (:class:`InvalidArgumentError`); a missing file raises
        :class:`LocalFileError`. One request, never retried; the service keeps
        files 3 days. The creating calls that take ``upload_url`` (and
        :meth:`separate_vocals`'s ``audio_url``) upload a local path this way.
        """
        self._check_open()
        return await upload_file(
            self._transport,
            source,
            upload_base_url=self._upload_base_url,
            upload_path=upload_path,
            file_name=file_name,
            max_bytes=max_bytes,
            timeout=timeout,
        )
