"""Language identification and stop words, from jusText's stop lists (about 100 languages).

No feature may assume English: stop-word ratios use the document's own language.
"""

from __future__ import annotations

import re
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
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Identification needs some text: under this many letters the answer is noise.
MIN_LETTERS = 20
# py3langid's normalised probability under which the text gets no language.
MIN_CONFIDENCE = 0.5


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


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's naive-Bayes identifier (140 languages in 0.4; the model is an npz file inside its
    wheel, no pickle), with normalised probabilities. Loaded once per process (~0.5 s CPU)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) for ``text`` by py3langid (Lui & Baldwin 2012, langid.py:
    byte n-gram naive Bayes over 140 languages in 0.4), or ``(None, p)`` for text with fewer than
    ``MIN_LETTERS`` letters or a best probability under ``MIN_CONFIDENCE``. Reads the first
    5,000 characters."""
    sample = text[:5000]
    if len(_HAS_LETTER.findall(sample, 0, 400)) < MIN_LETTERS and len(_HAS_LETTER.findall(sample)) < MIN_LETTERS:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return (lang, prob) if prob >= MIN_CONFIDENCE else (None, prob)


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The page's language as an ISO 639-1 code, or None.

    ``declared`` (``<html lang>``) wins when it names a language we have a stop list for (or
    ja/zh); otherwise py3langid identifies the language of ``text`` (see ``identify_language``).
    Codes map to jusText stop lists through ``ISO_TO_JUSTEXT`` (``no``/``nb``/``nn`` included).
    """
    return declared_language(declared) or identify_language(text)[0]


def declared_language(declared: str | None) -> str | None:
    """The ISO 639-1 code of a declaration (``<html lang>``) that ``detect_language`` takes as
    it is: a language we have a stop list for, or ja/zh. None for any other."""
    if declared:
        code = declared.lower()[:2]
        if code in ISO_TO_JUSTEXT or code in ("ja", "zh"):
            return code
    return None
