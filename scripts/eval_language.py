#!/usr/bin/env python
"""Language identification: py3langid (detector.language) against the stop-word vote it replaced.

    python scripts/eval_language.py [--aeb DIR] [--wcxb DIR] [--limit N] [--json OUT]

Truth, for the benchmark pages: the page's own declaration (``<html lang>``, ``xml:lang``,
``Content-Language`` or ``og:locale``, as ``detector.extract.html.page_language`` reads it),
primary subtag only; pages without one are not counted. Both systems see the same text with the
declaration withheld: the first 200 blocks of the page as the detector extracts them (the text
``detector.extract.extract`` hands to ``detect_language``). A page whose declared language is
one the vote cannot name (its 19 languages and ko/ja/zh) still counts: that is where the vote
fails. Truth for the hand-written samples below is the language they were written in.

Speed: CPU time (``time.process_time``) of each identifier per page, both in this process,
interleaved page by page (the vote first on even pages, second on odd ones); the model load is
excluded (it happens once per process, ~0.5 s).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from detector.config import Config
from detector.extract.encoding import decode
from detector.extract.html import page_language, parse_html, walk_blocks
from detector.language import _identifier, identify_language, stopwords

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# --- the baseline: the stop-word vote detector.language used before py3langid (verbatim) ----
_DETECT = ("en", "de", "fr", "es", "pt", "it", "nl", "ru", "pl", "tr", "id", "sv", "cs", "uk", "vi", "ro", "hu", "fi", "da")
_WORD = re.compile(r"\w+", re.UNICODE)
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def stopword_vote(text: str) -> str | None:
    sample = text[:5000]
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


def langid(text: str) -> str | None:
    return identify_language(text)[0]


SYSTEMS = {"stop-word vote (before)": stopword_vote, "py3langid (after)": langid}

# --- hand-written samples (written for this script; a few sentences of ordinary news prose) ---
SAMPLES: dict[str, list[str]] = {
    "ar": [
        "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة، ومن المتوقع أن يخدم أكثر من مئة ألف "
        "مواطن في المنطقة. وقال الوزير إن المشروع استغرق ثلاث سنوات من العمل المتواصل.",
        "يشهد سوق العمل تغيرات كبيرة بسبب التكنولوجيا الحديثة، ويحتاج الشباب إلى مهارات جديدة "
        "حتى يتمكنوا من المنافسة في الاقتصاد الرقمي.",
    ],
    "el": [
        "Το υπουργείο Υγείας ανακοίνωσε σήμερα τη λειτουργία ενός νέου νοσοκομείου στην πόλη, το οποίο "
        "αναμένεται να εξυπηρετεί περισσότερους από εκατό χιλιάδες πολίτες της περιοχής.",
        "Η αγορά εργασίας αλλάζει γρήγορα εξαιτίας της τεχνολογίας και οι νέοι χρειάζονται καινούργιες "
        "δεξιότητες για να ανταγωνιστούν στην ψηφιακή οικονομία.",
    ],
    "hi": [
        "स्वास्थ्य मंत्रालय ने आज शहर में एक नए अस्पताल के उद्घाटन की घोषणा की, जिससे क्षेत्र के एक लाख से "
        "अधिक नागरिकों को लाभ मिलने की उम्मीद है। मंत्री ने कहा कि इस परियोजना में तीन साल लगे।",
        "नई तकनीक के कारण रोज़गार का बाज़ार तेज़ी से बदल रहा है और युवाओं को डिजिटल अर्थव्यवस्था में "
        "आगे बढ़ने के लिए नए कौशल सीखने होंगे।",
    ],
    "he": [
        "משרד הבריאות הודיע היום על פתיחת בית חולים חדש בעיר, שצפוי לשרת יותר ממאה אלף תושבים באזור. "
        "השר אמר כי העבודה על הפרויקט נמשכה שלוש שנים.",
        "שוק העבודה משתנה במהירות בגלל הטכנולוגיה, וצעירים צריכים ללמוד מיומנויות חדשות כדי להתחרות "
        "בכלכלה הדיגיטלית.",
    ],
    "th": [
        "กระทรวงสาธารณสุขประกาศเปิดโรงพยาบาลแห่งใหม่ในเมืองวันนี้ ซึ่งคาดว่าจะให้บริการประชาชนในพื้นที่"
        "มากกว่าหนึ่งแสนคน รัฐมนตรีกล่าวว่าโครงการนี้ใช้เวลาสามปี",
        "ตลาดแรงงานกำลังเปลี่ยนแปลงอย่างรวดเร็วเพราะเทคโนโลยี คนรุ่นใหม่จึงต้องเรียนรู้ทักษะใหม่"
        "เพื่อแข่งขันในเศรษฐกิจดิจิทัล",
    ],
    "ca": [
        "El Departament de Salut ha anunciat avui l'obertura d'un nou hospital a la ciutat, que donarà "
        "servei a més de cent mil persones de la comarca. La consellera ha dit que les obres han durat tres anys.",
        "El mercat laboral canvia molt de pressa per culpa de la tecnologia, i els joves necessiten "
        "aprendre habilitats noves per poder competir en l'economia digital.",
    ],
    "no": [
        "Helsedepartementet kunngjorde i dag at et nytt sykehus åpner i byen, og det skal gi tilbud til "
        "mer enn hundre tusen innbyggere i regionen. Statsråden sa at arbeidet har tatt tre år.",
        "Arbeidsmarkedet endrer seg raskt på grunn av teknologien, og ungdommer må lære nye ferdigheter "
        "for å kunne konkurrere i den digitale økonomien.",
    ],
    "da": [
        "Sundhedsministeriet meddelte i dag, at et nyt hospital åbner i byen, og det forventes at betjene "
        "mere end hundrede tusind borgere i regionen. Ministeren sagde, at arbejdet har taget tre år.",
    ],
    "ro": [
        "Ministerul Sănătății a anunțat astăzi deschiderea unui nou spital în oraș, care va deservi peste "
        "o sută de mii de locuitori din regiune. Ministrul a spus că lucrările au durat trei ani.",
    ],
    "en": [
        "The health ministry announced today that a new hospital will open in the city, serving more than "
        "a hundred thousand residents of the region. The minister said the work had taken three years.",
    ],
}


def benchmark_pages(data: Path, limit: int | None) -> list[tuple[str, str, bytes]]:
    """(set name, page id, HTML bytes) for each ``html/*.html.gz`` of ``data``."""
    paths = sorted((data / "html").glob("*.html.gz"))[:limit]
    return [(data.name, p.name.removesuffix(".html.gz"), gzip.decompress(p.read_bytes())) for p in paths]


def page_text(html: bytes, config: Config) -> tuple[str | None, str]:
    """(declared language, the text detect_language sees) of one page."""
    root = parse_html(decode(html).text)
    if root is None:
        return None, ""
    blocks, _ = walk_blocks(root, config)
    return page_language(root), " ".join(b.text for b in blocks[:200])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aeb", type=Path, default=SHARED / "aeb")
    ap.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    ap.add_argument("--limit", type=int, default=None, help="pages per benchmark (default: all)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    _identifier()  # load once, outside the timings
    config = Config()
    cases: list[tuple[str, str, str, str]] = []  # (set, id, truth, text)
    for data in (args.aeb, args.wcxb):
        if not (data / "html").is_dir():
            print(f"{data}: absent, skipped", file=sys.stderr)
            continue
        for name, page_id, html in benchmark_pages(data, args.limit):
            declared, text = page_text(html, config)
            if declared and text:
                cases.append((name, page_id, declared[:2], text))
    for lang, texts in SAMPLES.items():
        cases += [("samples", f"{lang}-{i}", lang, t) for i, t in enumerate(texts)]

    names = list(SYSTEMS)
    predictions: dict[str, list[str | None]] = {n: [] for n in names}
    seconds: dict[str, list[float]] = {n: [] for n in names}
    for k, (_, _, _, text) in enumerate(cases):
        for name in names if k % 2 == 0 else names[::-1]:
            t0 = time.process_time()
            predictions[name].append(SYSTEMS[name](text))
            seconds[name].append(time.process_time() - t0)

    report: dict[str, object] = {"systems": names, "sets": {}}
    sets = sorted({c[0] for c in cases}, key=lambda s: (s == "samples", s))
    print(f"{'set':<10} {'pages':>5}  " + "  ".join(f"{n:>24}" for n in names))
    for set_name in sets + ["all"]:
        idx = [i for i, c in enumerate(cases) if set_name in ("all", c[0])]
        row = {n: sum(predictions[n][i] == cases[i][2] for i in idx) / len(idx) for n in names}
        report["sets"][set_name] = {"pages": len(idx), "accuracy": row}  # type: ignore[index]
        print(f"{set_name:<10} {len(idx):>5}  " + "  ".join(f"{row[n]:>24.3f}" for n in names))

    langs = Counter(c[2] for c in cases if c[0] != "samples")
    print("\ndeclared languages of the benchmark pages:", dict(langs.most_common()))
    print("\nper language (accuracy, before -> after):")
    per_lang = {}
    for lang in sorted({c[2] for c in cases}):
        idx = [i for i, c in enumerate(cases) if c[2] == lang]
        acc = [sum(predictions[n][i] == lang for i in idx) / len(idx) for n in names]
        per_lang[lang] = {"pages": len(idx), **dict(zip(names, acc))}
        print(f"  {lang:<4} {len(idx):>5}  {acc[0]:.3f} -> {acc[1]:.3f}")
    report["per_language"] = per_lang

    print("\nsamples (truth: before / after):")
    for i, c in enumerate(cases):
        if c[0] == "samples":
            print(f"  {c[1]:<6} {predictions[names[0]][i]!s:>5} / {predictions[names[1]][i]!s:<5}")

    errors = Counter((c[2], predictions[names[1]][i]) for i, c in enumerate(cases) if predictions[names[1]][i] != c[2])
    print("\nmost common errors after (truth -> predicted):", errors.most_common(12))

    per_page = {n: statistics.mean(seconds[n]) * 1000 for n in names}
    ratios = sorted(b / a for a, b in zip(seconds[names[0]], seconds[names[1]]) if a > 0)
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 3 else [float("nan")] * 3
    print(f"\nCPU ms per page: {per_page[names[0]]:.3f} (before) vs {per_page[names[1]]:.3f} (after); "
          f"per-page ratio after/before median {q[1]:.2f} (quartiles {q[0]:.2f}-{q[2]:.2f}), n={len(ratios)}")
    report["cpu_ms_per_page"] = per_page
    report["ratio_quartiles"] = q
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
