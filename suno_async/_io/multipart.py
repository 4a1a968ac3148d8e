"""The multipart form of a stream upload, built with aiohttp's ``FormData``.

Kept apart from :mod:`suno_async._io.http`, which sends it as it is: an open
file becomes a part aiohttp reads in chunks, in worker threads, as it
writes the request (never whole), with a ``Content-Length`` taken from the
file's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import BinaryIO

import aiohttp

__all__ = ["FILE_FIELD", "upload_form"]

#: The form field of the file.
FILE_FIELD = "file"


def upload_form(
    fields: Mapping[str, str],
    *,
    content: BinaryIO | bytes | memoryview,
    file_name: str,
    content_type: str,
) -> aiohttp.FormData:
    """``fields`` as text parts, then ``content`` as the file part.

    The text parts come first, so that a server reading the form as it
    arrives knows them before the file. ``content`` is read from where it
    stands; the caller keeps it open until the request is over, then
    closes it.
    """
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field(FILE_FIELD, content, filename=file_name, content_type=content_type)
    return form
