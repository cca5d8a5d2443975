"""Language identification and stop words, from jusText's stop lists (about 100 languages).

No feature may assume English: stop-word ratios use the document's own language.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

ISO_TO_JUSTEXT = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "hy": "Armenian", "az": "Azerbaijani",
    "eu": "Basque", "be": "Belarusian", "bn": "Bengali", "bs": "Bosnian", "br": "Breton",
    "bg": "Bulgarian", "ca": "Catalan", "hr": "Croatian", "cs": "Czech", "da": "Danish",
    "nl": "Dutch", "en": "English", "eo": "Esperanto", "et": "Estonian", "fi": "Finnish",
    "fr": "French", "gl": "Galician", "ka": "Georgian", "de": "German", "el": "Greek",
    "gu": "Gujarati", "ht": "Haitian", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "is": "Icelandic", "id": "Indonesian", "ga": "Irish", "it": "Italian", "jv": "Javanese",
    "kn": "Kannada", "kk": "Kazakh", "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz",
    "la": "Latin", "lv": "Latvian", "lt": "Lithuanian", "lb": "Luxembourgish", "mk": "Macedonian",
    "ms": "Malay", "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi", "ne": "Nepali",
    "nb": "Norwegian_Bokmal", "no": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk", "oc": "Occitan",
    "fa": "Persian", "pl": "Polish", "pt": "Portuguese", "qu": "Quechua", "ro": "Romanian",
    "ru": "Russian", "sr": "Serbian", "sk": "Slovak", "sl": "Slovenian", "es": "Spanish",
    "su": "Sundanese", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog", "ta": "Tamil",
    "te": "Telugu", "tr": "Turkish", "tk": "Turkmen", "uk": "Ukrainian", "ur": "Urdu",
    "uz": "Uzbek", "vi": "Vietnamese", "cy": "Welsh", "fy": "West_Frisian", "yo": "Yoruba",
}  # fmt: skip
# Languages tried when a page does not declare its own (the common web languages).
_DETECT = ("en", "de", "fr", "es", "pt", "it", "nl", "ru", "pl", "tr", "id", "sv", "cs", "uk", "vi", "ro", "hu", "fi", "da")
_WORD = re.compile(r"\w+", re.UNICODE)
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=128)
def stopwords(lang: str | None) -> frozenset[str]:
    """Lower-cased stop words of ``lang`` (ISO 639-1), empty when there is no list."""
    if not lang:
        return frozenset()
    name = ISO_TO_JUSTEXT.get(lang.lower()[:2])
    if name is None:
        return frozenset()
    import justext

    try:
        return frozenset(w.casefold() for w in justext.get_stoplist(name))
    except (ValueError, OSError):
        return frozenset()


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The declared language when it has a stop list or a script we know; else a guess from the text."""
    sample = text[:5000]
    if declared:
        code = declared.lower()[:2]
        if code in ISO_TO_JUSTEXT or code in ("ja", "zh"):
            return code
    if _HANGUL.search(sample) and len(_HANGUL.findall(sample)) > 20:
        return "ko"
    if len(_KANA.findall(sample)) > 20:
        return "ja"
    if len(_HAN.findall(sample)) > 40:
        return "zh"
    words = [w.casefold() for w in _WORD.findall(sample)[:800]]
    if not words:
        return None
    counts = Counter(words)
    best, best_hits = None, 0
    for lang in _DETECT:
        stops = stopwords(lang)
        hits = sum(c for w, c in counts.items() if w in stops)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best if best_hits >= max(3, 0.1 * len(words)) else None
