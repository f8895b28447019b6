"""Spelling-insensitive names: what a reader types versus what the data says.

``normalize`` folds case, diacritics, apostrophe styles, punctuation and the
common transliterations of Arabic names onto one key, so "Kataib Hizballah",
"KATA’IB HEZBOLLAH" and "Kata'ib Hezbollah" meet. The variant table is general
knowledge about transliteration, not facts about any record.

Finding the record a name typed denotes is ``ask.resolve``'s. Queries import this module
only to fold a name, so a plain listing does not pay for compiling its patterns.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile("['’‘ʿʾʼ`´′ʹ]")
_SEPARATORS = re.compile(r"[^\w]+|_")
#: A thousands separator inside a number ("2,500"), dropped so that 2500 finds it. The comma
#: comes first so that the search skips to commas (a lookbehind first is tried everywhere).
_DIGIT_GROUP = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")
#: For ASCII text, what ``_SEPARATORS`` replaces (every character but letters and digits).
_ASCII_SEPARATORS = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum()})

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
#: The words a phrase variant starts with: a text with none of them needs no phrase search.
_PHRASE_STARTS = frozenset(variant.split()[0] for variant in _PHRASES)
_LEADING_ARTICLE = re.compile(r"^(?:al|el|the|an)\s+")
#: Combining marks of the Latin and Arabic scripts (accents, harakat), dropped after NFKD.
_COMBINING = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u064b-\u065f\u0670]"
)


def fold(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation folded; words kept.

    ASCII text, most of what a build folds, takes a shorter way to the same result:
    its only apostrophes are ' and `, and a translation table does what the separator
    pattern does, several times faster.
    """
    if text.isascii():
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
        if "," in text:
            text = _DIGIT_GROUP.sub("", text)
        return " ".join(text.lower().translate(_ASCII_SEPARATORS).split())
    # Apostrophes go first: NFKD would split the acute accent (´) into a space and a mark.
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = _DIGIT_GROUP.sub("", text).casefold()
    return " ".join(_SEPARATORS.sub(" ", text).split())


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """The key two spellings of one name share.

    Cached: compiling a data folder normalizes every title, note and cited sentence,
    and the same sentence is often cited by many records.
    """
    folded = fold(text)
    words = folded.split()
    if not _PHRASE_STARTS.isdisjoint(words):
        folded = _PHRASE_PATTERN.sub(lambda match: _PHRASES[match.group()], folded)
        words = folded.split()
    if _WORD_VARIANTS.keys().isdisjoint(words):
        return folded  # already its words joined by single spaces, as ``fold`` returns them
    return " ".join(map(_WORD_VARIANTS.get, words, words))


def name_keys(text: str) -> set[str]:
    """Every key a name answers to: itself, and without a leading article (al-, the)."""
    key = normalize(text)
    keys = {key, key.replace(" ", "")}
    bare = _LEADING_ARTICLE.sub("", key)
    if bare:
        keys |= {bare, bare.replace(" ", "")}
    keys.discard("")
    return keys


# --- resolving what a reader typed to one record ----------------------------------------

#: Words that may stand before a name or be left out: "al-Omar" and "Omar" are one field.
