"""Event JSON as the cache stores it: deflated against a dictionary sampled from the data.

An event's JSON repeats its keys and much of its values (dataset names, types,
the same notes on casualty figures) from one event to the next; compressed one by
one, each text shrinks little, but against a preset dictionary of a few sampled
events it shrinks about tenfold (an export's row: 1,360 bytes of JSON to 150), and
stops being most of the cache. Each text stays
separately readable: a query unpacks only the events it prints, a few
microseconds each.

The window is 4 KiB (``zlib``'s ``wbits`` 12): a 32 KiB dictionary compresses a
little better but costs three times as long to set up for every text.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

#: Raw deflate (no header or trailer: the stored checksum covers the text) in a 4 KiB window.
WBITS = -12
DICTIONARY_BYTES = 1 << 12
#: Measured on 30,000 ACLED-shaped events: level 3 with the state a quarter of zlib's
#: default (which each text copies) packs one in 10.0 us to 149 bytes; zlib's defaults
#: (6, 8) take 15.0 us for 137 bytes, 5 s more over a million rows.
LEVEL = 3
MEMORY_LEVEL = 4


def dictionary(samples: Iterable[str]) -> bytes:
    """A preset dictionary from sample texts: their last ``DICTIONARY_BYTES`` bytes (deflate
    finds what is nearest the end of a dictionary most cheaply)."""
    return b"".join(sample.encode("utf-8", "surrogatepass") for sample in samples)[-DICTIONARY_BYTES:]


def packer(preset: bytes) -> Callable[[str], bytes]:
    """A function that deflates a text against ``preset``.

    Each text starts from a copy of one compressor that has read the dictionary: the
    same state, and the same bytes out, as a new one, without reading it again.
    """
    primed = zlib.compressobj(LEVEL, zlib.DEFLATED, WBITS, MEMORY_LEVEL, zlib.Z_DEFAULT_STRATEGY, preset)

    def pack(text: str) -> bytes:
        compressor = primed.copy()
        return compressor.compress(text.encode("utf-8", "surrogatepass")) + compressor.flush()

    return pack


def unpack(data: bytes, preset: bytes) -> bytes:
    """The UTF-8 bytes ``pack`` was given; ``zlib.error`` if ``data`` is not a whole packed text."""
    decompressor = zlib.decompressobj(WBITS, preset)
    text = decompressor.decompress(data)
    if not decompressor.eof or decompressor.unused_data:
        raise zlib.error("the packed text is cut short or has bytes after its end")
    return text
