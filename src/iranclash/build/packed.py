"""Event JSON as the cache stores it: compressed by zstd against a dictionary trained on the data.

An event's JSON repeats its keys and much of its values (dataset names, types,
the same notes on casualty figures) from one event to the next; compressed one by
one, each text shrinks little, but against a dictionary trained on the first events
a build writes it shrinks over tenfold (an export's row: 1,370 bytes of JSON to about
100), and stops being most of the cache. Each text stays separately readable: a
query unpacks only the events it prints, a microsecond each.

zstd, not the standard library's zlib: measured on 20,000 ACLED-shaped events, zlib
(level 3, a 4 KiB window and a preset dictionary of sampled events) packed one in
12.2 us to 198 bytes and unpacked it in 4.3 us; zstd (level 3, an 8 KiB trained
dictionary) packs it in 2.5 us to 101 bytes and unpacks it in 1.0 us. Over a million
such rows that is about 10 s less of a build's work (both processes'), and a cache of 433
MiB instead of 488 MiB.

``zstandard`` is imported when a text is first packed or unpacked, not at start-up:
most commands print no event.
"""

from __future__ import annotations

import functools
from _thread import get_ident
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zstandard

#: The size of a trained dictionary (zstd may make it smaller).
DICTIONARY_BYTES = 8192
LEVEL = 3
#: A dictionary made of sample texts as they are, where zstd cannot train one, holds this many.
_RAW_SAMPLES = 4


class NotWhole(ValueError):
    """Bytes that are not one whole packed text (cut short, run on, or not packed at all)."""


def dictionary(samples: Sequence[str]) -> bytes:
    """A dictionary trained on sample texts (the first events a build writes); where they
    are too few or too alike for zstd to train on, a few of them as they are, their last
    ``DICTIONARY_BYTES`` (zstd finds what is nearest the end of a dictionary most cheaply)."""
    import zstandard

    encoded: list[bytes | bytearray | memoryview] = [
        sample.encode("utf-8", "surrogatepass") for sample in samples
    ]
    try:
        return bytes(zstandard.train_dictionary(DICTIONARY_BYTES, encoded).as_bytes())
    except zstandard.ZstdError:
        step = max(1, len(encoded) // _RAW_SAMPLES)
        return b"".join(encoded[::step][:_RAW_SAMPLES])[-DICTIONARY_BYTES:]


def _dictionary(preset: bytes) -> zstandard.ZstdCompressionDict | None:
    """``preset`` for zstd: a trained dictionary (known by its magic number) or raw content."""
    import zstandard

    return zstandard.ZstdCompressionDict(preset) if preset else None


def packer(preset: bytes) -> Callable[[str], bytes]:
    """A function that packs a text against ``preset`` (what ``dictionary`` made). The same
    text and preset always pack to the same bytes (``partial`` compares them)."""
    import zstandard

    compress = zstandard.ZstdCompressor(
        level=LEVEL,
        dict_data=_dictionary(preset),
        write_checksum=False,  # the store keeps a checksum of the text (``checks``)
        write_content_size=True,
        write_dict_id=False,
    ).compress

    def pack(text: str) -> bytes:
        return bytes(compress(text.encode("utf-8", "surrogatepass")))

    return pack


def unpack(data: bytes, preset: bytes) -> bytes:
    """The UTF-8 bytes ``pack`` was given; ``NotWhole`` if ``data`` is not a whole packed text."""
    import zstandard

    reader = _decompressor(preset, get_ident()).decompressobj()
    try:
        text = reader.decompress(data)
    except zstandard.ZstdError as error:
        raise NotWhole(str(error)) from None
    if not reader.eof or reader.unused_data:
        raise NotWhole("the packed text is cut short or has bytes after its end")
    return bytes(text)


@functools.lru_cache(maxsize=8)
def _decompressor(preset: bytes, _thread: int) -> zstandard.ZstdDecompressor:
    """One decompressor for each dictionary and thread (one is not to be used by two threads
    at once): setting a dictionary up costs more than unpacking a text against it."""
    import zstandard

    return zstandard.ZstdDecompressor(dict_data=_dictionary(preset))
