"""The pure core: models, errors, wire decoding, policies, providers.

No I/O and no asyncio here; every other layer builds on these values.
:mod:`~suno_async._core.serialize` is imported first: it installs the models'
``to_dict``, ``to_json`` and ``from_dict`` (see
:func:`~suno_async._core.models.install_serializer`).
"""

from suno_async._core import serialize as serialize
