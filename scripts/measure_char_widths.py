"""Measure how many English characters one Chinese, Japanese or Korean character stands for
(``Config.main_run_char_widths``), on parallel text: the machine's gettext catalogs
(``/usr/share/locale/LOCALE/LC_MESSAGES/*.mo``), each an English message (msgid) and its
translation (msgstr), from the programs installed (coreutils, apt, bash, glib, PostgreSQL...).

Messages of at least 60 English characters and 8 words (prose rather than labels), whose
translation is at least half CJK characters (translated, not code), printf / brace placeholders
and ``\\n`` removed, whitespace collapsed; ``iso_*`` catalogs (names of countries and languages)
left out. Width = (English characters - the translation's other characters) / the translation's
CJK characters, summed over the messages (the other characters, punctuation, spaces, Latin and
digits, count 1 as in English).

    python scripts/measure_char_widths.py [zh_CN zh_TW ja ko]

Measured on Debian 13's catalogs (the python machine of this project): zh_CN 3.35 (3,735
messages; median message 3.50, quartiles 3.05-3.95), zh_TW 3.33 (2,149), ja 2.03 (3,530; a
kana 1.53 with Han at 3.35), ko 2.22 (3,298).
"""

from __future__ import annotations

import gettext
import glob
import re
import sys

import regex

WIDE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
HAN = regex.compile(r"\p{Han}")
KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
PLACEHOLDER = re.compile(r"%[-#0 +']*[0-9*]*(?:\.[0-9*]+)?[hlLqjzt]*[a-zA-Z%]|%\([a-z_]+\)[a-z]|\{[^}]*\}|\\n")


def pairs(locale: str, min_chars: int = 60, min_words: int = 8):
    """(English, translation) of the catalogs of ``locale`` that pass the filters above."""
    for path in sorted(glob.glob(f"/usr/share/locale/{locale}/LC_MESSAGES/*.mo")):
        if "/iso_" in path:
            continue
        try:
            with open(path, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog
        except Exception:  # a catalog gettext cannot read
            continue
        for en, tr in catalog.items():
            if not isinstance(en, str) or not en or not isinstance(tr, str) or not tr:
                continue  # the header, plural forms
            en = " ".join(PLACEHOLDER.sub("", en).split())
            tr = " ".join(PLACEHOLDER.sub("", tr).split())
            if len(en) < min_chars or len(en.split()) < min_words:
                continue
            if len(WIDE.findall(tr)) < 0.5 * len(tr.replace(" ", "")):
                continue
            yield en, tr


def measure(locale: str, han_width: float = 3.35) -> None:
    en_chars = other = wide = han = kana = 0
    per_message = []
    for en, tr in pairs(locale):
        w = len(WIDE.findall(tr))
        en_chars += len(en)
        other += len(tr) - w
        wide += w
        han += len(HAN.findall(tr))
        kana += len(KANA.findall(tr))
        per_message.append((len(en) - (len(tr) - w)) / w)
    if not per_message:
        print(f"{locale}: no catalogs")
        return
    per_message.sort()
    q = [per_message[int(len(per_message) * f)] for f in (0.25, 0.5, 0.75)]
    line = (
        f"{locale}: {len(per_message)} messages, {en_chars} English characters, translation {wide} CJK + {other} other;"
        f" width {(en_chars - other) / wide:.2f} (median message {q[1]:.2f}, quartiles {q[0]:.2f}-{q[2]:.2f})"
    )
    if kana and han:
        line += f"; a kana with Han at {han_width}: {(en_chars - other - han_width * han) / kana:.2f}"
    print(line)


if __name__ == "__main__":
    for locale in sys.argv[1:] or ["zh_CN", "zh_TW", "ja", "ko"]:
        measure(locale)
