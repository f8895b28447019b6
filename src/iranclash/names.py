"""Spelling-insensitive names: what a reader types versus what the data says.

``normalize`` folds case, diacritics, apostrophe styles, punctuation and the
common transliterations of Arabic names onto one key, so "Kataib Hizballah",
"KATA’IB HEZBOLLAH" and "Kata'ib Hezbollah" meet. The variant table is general
knowledge about transliteration, not facts about any record.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile("['’‘ʿʾʼ`´′ʹ]")
_SEPARATORS = re.compile(r"[^\w]+|_")
#: A thousands separator inside a number ("2,500"), dropped so that 2500 finds it.
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

#: Transliteration variants of one word, each mapped to one spelling.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "hezbollah": ("hizballah", "hizbullah", "hizbollah", "hezbolla", "hizbolla", "hisbollah"),
    "kataib": ("kataeb", "kata-ib", "kitaib", "katayib"),
    "sayyid": ("sayed", "sayyed", "seyyed", "sayid"),
    "shuhada": ("shuhadaa", "shohada", "shuhada'"),
    "qaim": ("qaem", "kaim", "qa-im"),
    "albukamal": ("abukamal", "bukamal", "boukamal", "abu kamal", "albu kamal", "al bukamal"),
    "assad": ("asad",),
    "soleimani": ("suleimani", "sulaimani", "solaimani", "soleymani"),
    "muhandis": ("mohandes", "muhandes", "mohandis"),
    "kadhimi": ("kadhemi", "kazemi", "kazimi", "kathimi", "khadimi"),
    "quds": ("qods", "qudus"),
    "yarubiyah": ("yaarubiyah", "yarubiya", "yaarubiya", "yarubiyeh", "al yarubiyah"),
    "rabia": ("rabiaa", "rabiah"),
    "walid": ("waleed", "al walid", "al waleed"),
    "tanf": ("al tanf", "altanf"),
}
_WORD_VARIANTS = {
    variant: canonical
    for canonical, variants in _VARIANTS.items()
    for variant in variants
    if " " not in variant
}
_PHRASES = {
    variant: canonical for canonical, variants in _VARIANTS.items() for variant in variants if " " in variant
}
_PHRASE_PATTERN = re.compile(r"\b(?:" + "|".join(map(re.escape, _PHRASES)) + r")\b")
_LEADING_ARTICLE = re.compile(r"^(?:al|el|the|an)\s+")
#: Combining marks of the Latin and Arabic scripts (accents, harakat), dropped after NFKD.
_COMBINING = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u064b-\u065f\u0670]"
)


def fold(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation folded; words kept."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = _DIGIT_GROUP.sub("", _APOSTROPHES.sub("", text)).casefold()
    return " ".join(_SEPARATORS.sub(" ", text).split())


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """The key two spellings of one name share.

    Cached: compiling a data folder normalizes every title, note and cited sentence,
    and the same sentence is often cited by many records.
    """
    folded = _PHRASE_PATTERN.sub(lambda match: _PHRASES[match.group()], fold(text))
    return " ".join([_WORD_VARIANTS.get(word, word) for word in folded.split()])


def name_keys(text: str) -> set[str]:
    """Every key a name answers to: itself, and without a leading article (al-, the)."""
    key = normalize(text)
    keys = {key, key.replace(" ", "")}
    bare = _LEADING_ARTICLE.sub("", key)
    if bare:
        keys |= {bare, bare.replace(" ", "")}
    keys.discard("")
    return keys
