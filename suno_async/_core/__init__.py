"""The pure core: models, errors, wire decoding, policies, providers.

No I/O and no asyncio here; every other layer builds on these values.
"""
