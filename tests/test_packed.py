"""Events' JSON as the cache packs it: whole on the way back, or an error, never a wrong text."""

from __future__ import annotations

import json
import zlib

import pytest

from iranclash.build import packed

EVENTS = [
    json.dumps({"id": f"acled:IRQ{n}", "type": "armed-clash", "title": f"Clash {n} near «Qaim»", "n": n})
    for n in range(50)
]


def test_texts_come_back_byte_for_byte_against_the_dictionary() -> None:
    preset = packed.dictionary(EVENTS[::10])
    pack = packed.packer(preset)
    for text in [*EVENTS, "", "\ud800 lone surrogate as stored", "x" * 100_000]:
        assert packed.unpack(pack(text), preset) == text.encode("utf-8", "surrogatepass")


def test_the_dictionary_is_what_shrinks_them_and_keeps_to_its_size() -> None:
    preset = packed.dictionary(EVENTS * 100)
    assert 0 < len(preset) <= packed.DICTIONARY_BYTES
    with_dictionary = sum(len(packed.packer(preset)(text)) for text in EVENTS)
    without = sum(len(packed.packer(b"")(text)) for text in EVENTS)
    assert with_dictionary * 2 < without


def test_the_dictionary_is_trained_where_zstd_can_and_made_of_samples_where_it_cannot() -> None:
    trained = packed.dictionary(EVENTS * 100)
    assert trained[:4] == b"\x37\xa4\x30\xec", "zstd's dictionary magic number"
    few = packed.dictionary(EVENTS[:3])
    assert few == "".join(EVENTS[:3]).encode()
    for preset in (trained, few):
        assert packed.unpack(packed.packer(preset)(EVENTS[9]), preset) == EVENTS[9].encode()


def test_an_empty_dictionary_still_packs() -> None:
    assert packed.unpack(packed.packer(b"")(EVENTS[0]), b"") == EVENTS[0].encode()


@pytest.mark.parametrize("damage", ["cut", "extra", "garbage"])
def test_a_packed_text_cut_short_or_run_on_is_an_error(damage: str) -> None:
    preset = packed.dictionary(EVENTS[:3])
    data = packed.packer(preset)(EVENTS[7])
    data = {"cut": data[:-3], "extra": data + b"\x00", "garbage": b"not packed at all"}[damage]
    with pytest.raises(packed.NotWhole):
        packed.unpack(data, preset)


def test_another_dictionary_never_gives_back_the_text() -> None:
    """What is not an error differs from the original, and the stored checksum of the
    text (``checks``) catches that."""
    data = packed.packer(packed.dictionary(EVENTS[:3]))(EVENTS[7])
    try:
        text = packed.unpack(data, packed.dictionary(EVENTS[40:43]))
    except packed.NotWhole:
        return
    assert zlib.adler32(text) != zlib.adler32(EVENTS[7].encode())


def test_the_link_tables_codes_cover_every_role_and_certainty_in_alphabetical_order() -> None:
    """``event_actor`` writes a role or certainty as its place in these lists: one missing
    would fail a build, one out of order would change which ``min()`` picks."""
    from iranclash.core.model import Certainty, Role
    from iranclash.core.vocabulary import CERTAINTIES, ROLES

    assert tuple(sorted(role.value for role in Role)) == ROLES
    assert tuple(sorted(certainty.value for certainty in Certainty)) == CERTAINTIES
