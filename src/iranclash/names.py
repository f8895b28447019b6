"""Spelling-insensitive names: what a reader types versus what the data says.

``normalize`` folds case, diacritics, apostrophe styles, punctuation and the
common transliterations of Arabic names onto one key, so "Kataib Hizballah",
"KATA’IB HEZBOLLAH" and "Kata'ib Hezbollah" meet. The variant table is general
knowledge about transliteration, not facts about any record.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile("['’‘ʿʾʼ`´′ʹ]")
_SEPARATORS = re.compile(r"[^\w]+|_")

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
_PHRASE_VARIANTS = [
    (re.compile(rf"\b{re.escape(variant)}\b"), canonical)
    for canonical, variants in _VARIANTS.items()
    for variant in variants
    if " " in variant
]
_LEADING_ARTICLE = re.compile(r"^(?:al|el|the|an)\s+")


def fold(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation folded; words kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    stripped = _APOSTROPHES.sub("", stripped).casefold()
    return " ".join(_SEPARATORS.sub(" ", stripped).split())


def normalize(text: str) -> str:
    """The key two spellings of one name share."""
    folded = fold(text)
    for pattern, canonical in _PHRASE_VARIANTS:
        folded = pattern.sub(canonical, folded)
    words = [_WORD_VARIANTS.get(word, word) for word in folded.split()]
    return " ".join(words)


def name_keys(text: str) -> set[str]:
    """Every key a name answers to: itself, and without a leading article (al-, the)."""
    key = normalize(text)
    keys = {key, key.replace(" ", "")}
    bare = _LEADING_ARTICLE.sub("", key)
    if bare:
        keys |= {bare, bare.replace(" ", "")}
    keys.discard("")
    return keys
