"""The document verdict on languages written without spaces (Chinese, Japanese, Thai): words from
the language's segmenter as datatrove assigns it (jieba, SudachiPy, PyThaiNLP), and
``main_run_chars`` counting a CJK character as several Latin ones (``Config.main_run_char_widths``).
The pages are written here."""

from __future__ import annotations

import importlib.util

import pytest

from detector import Config
from detector.document import Block, Document, ParagraphScore, Result
from detector.quality import longest_kept_run, measure, score_document, text_width, verdict, words

CFG = Config()

ZH_TITLE = "全天候公共图书馆在滨江区开放"
ZH_BODY = [
    "本市第一座全天候开放的公共图书馆于上周六在滨江区正式启用，开馆首日吸引了超过三千名读者前来参观和借阅。",
    "据图书馆负责人介绍，新馆共有五层，藏书约四十万册，并专门为夜间读者设置了自助借还区和安静的自习空间。",
    "不少年轻人表示，过去下班后很难找到合适的学习场所，新馆的开放让他们多了一个选择。",
    "一位在附近公司工作的读者说，她计划每周来这里看两三次书，有时也会带孩子参加周末的绘本活动。",
    "市文化部门表示，如果夜间的使用情况良好，明年将在另外两个区推广同样的开放模式。",
    "馆方还将根据读者的反馈调整服务时间和馆内设施，并计划增加外文图书和数字阅读设备。",
]
JA_TITLE = "市立図書館が二十四時間開館を開始"
JA_BODY = [
    "市内で初めての二十四時間開館の公立図書館が先週土曜日に正式にオープンし、初日には三千人を超える市民が訪れた。",
    "図書館の担当者によると、新しい館は五階建てで、約四十万冊の本を所蔵しているという。",
    "夜間の利用者のために、自動貸出機や静かな自習スペースも用意されている。",
    "近くの会社で働く女性は、仕事の後に勉強できる場所がなかったので、とても助かると話していた。",
    "市の文化部は、夜間の利用状況が良ければ、来年は別の二つの区でも同じ取り組みを始める予定だと説明した。",
]
ZH_SPAM = "本店低价出售二手苹果手机，质量保证，欢迎来电咨询购买，全国包邮。"
ZH_MENU = ["首页", "新闻", "财经", "体育", "科技", "关于我们 | 联系我们", "版权所有 © 2024 滨江日报社 未经授权不得转载"]


def scored(texts_keep: list[tuple[str, bool]], language: str, title: str, config: Config = CFG) -> Result:
    """A document whose paragraphs are kept or dropped as given (the model is not involved)."""
    blocks = tuple(Block(t) for t, _ in texts_keep)
    doc = Document("d", "https://example.com/a", title, blocks, "html", language)
    decisions = [
        ParagraphScore(i, t, "paragraph", 0.9 if keep else 0.05, 0.0, keep, None if keep else "navigation")
        for i, (t, keep) in enumerate(texts_keep)
    ]
    q = score_document(doc, decisions, config)
    text = "\n\n".join(t for t, keep in texts_keep if keep)
    return Result("d", doc.url, doc.title, text, q, tuple(decisions), {}, language, "html")


def page(lang: str, title: str, body: list[str]) -> bytes:
    paras = "\n".join(f"<p>{p}</p>" for p in body)
    menu = "".join(f'<li><a href="/{i}">{m}</a></li>' for i, m in enumerate(ZH_MENU[:5]))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><nav><ul>{menu}</ul></nav><article><h1>{title}</h1>{paras}</article>"
        f"<footer><p>{ZH_MENU[-1]}</p></footer></body></html>"
    ).encode("utf-8")


def test_chinese_article_is_kept():
    r = scored([(m, False) for m in ZH_MENU[:5]] + [(p, True) for p in ZH_BODY] + [(ZH_MENU[-1], False)], "zh", ZH_TITLE)
    v = verdict(r, CFG)
    assert v.keep, (v, r.quality.flags)
    s = r.quality.signals
    assert s["top_2_gram_frac"] < 0.1 and s["main_run_chars"] >= CFG.min_main_run_chars
    # jieba's words: about 1.6 characters each, not whole phrases between commas
    assert 1.2 < sum(not c.isspace() for c in r.text) / s["words"] < 2.2


def test_japanese_article_is_kept():
    r = scored([(p, True) for p in JA_BODY], "ja", JA_TITLE)
    v = verdict(r, CFG)
    assert v.keep, (v, r.quality.flags)
    assert r.quality.signals["top_2_gram_frac"] < 0.2


def test_chinese_repetition_still_fires():
    # a spam page: the same offer with a different model number, paragraph after paragraph
    spam = [(f"第{i}款{ZH_SPAM}", True) for i in range(1, 13)]
    r = scored(spam, "zh", "二手手机")
    assert "gopher-duplicate-ngrams" in r.quality.flags, r.quality.flags
    assert r.quality.score < scored([(p, True) for p in ZH_BODY], "zh", ZH_TITLE).quality.score
    # the same text repeated whole: the duplicate-paragraph rules too (the repetition rules are
    # one piece of evidence, Config.quality_penalty_groups: they cost their penalty once, as in English)
    r = scored([(ZH_SPAM, True)] * 12, "zh", "二手手机")
    assert {"gopher-duplicate-paragraphs", "gopher-top-ngram", "gopher-duplicate-ngrams"} <= set(r.quality.flags)


def test_main_run_counts_cjk_characters_wide():
    widths = dict(CFG.main_run_char_widths)
    assert text_width("plain ASCII text.", CFG.main_run_char_widths) == len("plain ASCII text.")
    assert text_width("Café déjà vu — «ça»", CFG.main_run_char_widths) == len("Café déjà vu — «ça»")
    assert text_width("图书馆。", CFG.main_run_char_widths) == pytest.approx(3 * widths["Han"] + 1)
    assert text_width("ひらがなカタカナ", CFG.main_run_char_widths) == pytest.approx(4 * widths["Hiragana"] + 4 * widths["Katakana"])
    assert text_width("도서관", CFG.main_run_char_widths) == pytest.approx(3 * widths["Hangul"])
    # the measured widths (Config's docstring): Han about 3.3 Latin characters, kana 1.5, Hangul 2.2
    assert 3.0 <= widths["Han"] <= 3.6 and 1.2 <= widths["Hiragana"] <= 2.0 and 1.9 <= widths["Hangul"] <= 2.5
    decisions = [ParagraphScore(i, t, "paragraph", 0.9, 0.0, True, None) for i, t in enumerate(ZH_BODY[:3])]
    chars = sum(len(t) for t in ZH_BODY[:3])
    assert longest_kept_run(decisions, 100) == chars  # without widths: characters
    assert longest_kept_run(decisions, 100, CFG.main_run_char_widths) > 2.5 * chars
    # a Chinese body of ~250 characters: scattered by characters, a body by width
    r = scored([(p, True) for p in ZH_BODY[:4]], "zh", ZH_TITLE)
    assert sum(map(len, ZH_BODY[:4])) < CFG.min_main_run_chars <= r.quality.signals["main_run_chars"]
    assert "no-main-content" not in r.quality.flags
    r = scored([(p, True) for p in ZH_BODY[:4]], "zh", ZH_TITLE, Config(main_run_char_widths=()))
    assert "no-main-content" in r.quality.flags


def test_english_words_and_widths_unchanged():
    text = 'He said: "don\'t go." It\'s 45-17 in St. Louis... 東京'
    assert words(text) == words(text, "en") == words(text, "de")
    en = "\n\n".join(["The committee published its report on water quality in the region on Monday."] * 3)
    assert measure(en, "en", CFG) == measure(en, "en", Config(main_run_char_widths=()))


@pytest.mark.parametrize(
    "language, text",
    [
        ("zh", "\n".join(ZH_BODY) + "\niPhone 15 Pro 的价格是 7999 元。  Hello world, it's 3.5% off!"),
        ("ja", "\n".join(JA_BODY) + "\n東京都は１２日、新たに３００人の感染を確認したと発表した。 Hello world…"),
        ("th", "ผมชอบกินข้าวผัดมาก และเธอก็ชอบเหมือนกัน\nวันนี้อากาศดีมาก พรุ่งนี้ 12 ฝนจะตก"),
    ],
)
def test_segmented_words_line_by_line(language, text):
    # measure() splits line by line: the words of a text are the words of its lines
    assert words(text, language) == [w for line in text.splitlines() for w in words(line, language)]
    assert len(words(text, language)) > len(text.split()) * 2


# datatrove's codes for these languages: its ISO 639-1 "zh" falls to spaCy's multilingual "xx"
# tokenizer (assets/tokenizer_assignment.csv's hak_Latn row overrides cmn's, since the CSV's "FALSE"
# is a true string in load_tokenizer_assignments), its Languages.mandarin_chinese ("cmn") is jieba
DATATROVE_CODES = {"zh": "cmn", "ja": "jpn", "th": "tha"}
SEGMENTERS = {"zh": ("jieba",), "ja": ("sudachipy", "sudachidict_core", "spacy"), "th": ("pythainlp",)}


@pytest.mark.parametrize(
    "language, text",
    [
        ("zh", ZH_BODY[0] + "\n\n" + ZH_BODY[1]),
        ("zh", "2024年5月13日 08:30  来源：滨江日报 iPhone 15 Pro 的价格是 7999 元。 Hello, world!"),
        ("ja", JA_BODY[0] + "\n\n" + JA_BODY[3]),
        ("ja", "吾輩は猫である。名前はまだ無い。 Hello world…  テスト、ＡＢＣ１２３"),
        ("th", "ผมชอบกินข้าวผัดมาก และเธอก็ชอบเหมือนกัน\n\nวันนี้อากาศดีมาก"),
    ],
)
def test_words_match_datatrove(language, text):
    missing = [m for m in ("datatrove", *SEGMENTERS[language]) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    from datatrove.utils.text import split_into_words

    assert words(text, language) == split_into_words(text, DATATROVE_CODES[language])


@pytest.mark.parametrize("lang, title, body", [("zh", ZH_TITLE, ZH_BODY), ("ja", JA_TITLE, JA_BODY)])
def test_whole_page_is_kept(detector, lang, title, body):
    # through the model: the body is kept, and the verdict keeps the page
    result = detector.score_html(page(lang, title, body))
    assert result.language == lang
    assert all(p in result.text for p in body)
    v = verdict(result, detector.config)
    assert v.keep, (v, result.quality.flags)


def test_a_repeated_chinese_paragraph_is_dropped_as_duplicate(detector):
    # a CJK line is one or a few \w+ runs, so the duplicate rule's word floor counts the segmenter's
    # words (decide.duplicate_words): the copies go as duplicates, as an English line's copies do
    from detector.decide import duplicate_words

    line = "免费领取！点击这里立即注册，赢取大奖！限时优惠，不要错过！"
    assert duplicate_words(line, "zh") >= CFG.duplicate_min_words > duplicate_words(line, None)
    assert duplicate_words("Read more about it", "en") == 4
    body = "".join(f"<p>{p}</p>" for p in ZH_BODY)
    spam = "".join(f"<p>{line}</p>" for _ in range(8))
    html = (f'<html lang="zh"><head><title>{ZH_TITLE}</title></head><body><h1>{ZH_TITLE}</h1>{body}{spam}'
            "</body></html>")
    result = detector.score_html(html, id="zh-dup")
    copies = [p for p in result.paragraphs if p.text == line]
    assert len(copies) == 8
    assert all(not p.keep and p.reason == "duplicate" for p in copies[1:]), [(p.keep, p.reason) for p in copies]


TH_BODY = [
    "ในช่วงไม่กี่ปีที่ผ่านมา ประเทศไทยต้องเผชิญกับปัญหามลพิษทางอากาศที่รุนแรงขึ้นเรื่อยๆ โดยเฉพาะในภาคเหนือและกรุงเทพมหานคร ซึ่งค่าฝุ่นละอองขนาดเล็กมักเกินมาตรฐานในช่วงฤดูแล้ง",
    "นักวิชาการด้านสิ่งแวดล้อมระบุว่า สาเหตุหลักมาจากการเผาในที่โล่งเพื่อเตรียมพื้นที่เพาะปลูก การจราจรที่หนาแน่น และการปล่อยมลพิษจากโรงงานอุตสาหกรรม นอกจากนี้ สภาพอากาศที่นิ่งยังทำให้ฝุ่นสะสมอยู่ในพื้นที่เป็นเวลานาน",
    "กระทรวงสาธารณสุขได้ออกประกาศเตือนให้ประชาชนหลีกเลี่ยงกิจกรรมกลางแจ้ง และสวมหน้ากากอนามัยชนิดที่สามารถกรองฝุ่นได้ โดยเฉพาะเด็ก ผู้สูงอายุ และผู้ที่มีโรคประจำตัวเกี่ยวกับระบบทางเดินหายใจ",
    "ขณะเดียวกัน รัฐบาลได้ประกาศมาตรการระยะยาว เช่น การส่งเสริมการใช้รถยนต์ไฟฟ้า การควบคุมการเผาในภาคเกษตร และการเพิ่มพื้นที่สีเขียวในเมือง อย่างไรก็ตาม หลายฝ่ายมองว่าการแก้ปัญหาต้องอาศัยความร่วมมือจากทุกภาคส่วน",
]


@pytest.mark.skipif(importlib.util.find_spec("pythainlp") is None, reason="PyThaiNLP not installed")
def test_a_thai_article_is_prose_without_terminal_punctuation():
    # Thai ends a sentence with a space, a paragraph with a line break: no line of a Thai article
    # ended in a terminal mark, so none was prose and every Thai article fired no-main-content
    text = "\n\n".join(TH_BODY)
    assert measure(text, "th", CFG)["prose_words"] > CFG.min_content_words
    assert measure(text, "th", CFG.replace(unpunctuated_languages=()))["prose_words"] == 0
    # a menu line or a heading is still not prose
    assert measure("หน้าแรก ข่าว การเมือง เศรษฐกิจ กีฬา", "th", CFG)["prose_words"] == 0
    result = scored([("ปัญหาฝุ่น PM2.5 ในประเทศไทย", True)] + [(p, True) for p in TH_BODY], "th", "ปัญหาฝุ่น PM2.5 ในประเทศไทย")
    assert "no-main-content" not in result.quality.flags and verdict(result, CFG).keep


def test_the_reports_show_the_verdicts_word_count_of_a_chinese_page(detector):
    # the terminal and HTML reports counted the kept text with str.split(): a Chinese paragraph
    # (no spaces) was one "word", while the verdict counts jieba's words
    import re

    from detector.report import render_html, render_terminal

    result = detector.score_html(page("zh", ZH_TITLE, ZH_BODY), id="zh-page")
    assert result.language == "zh" and not result.withheld
    judged = int(result.quality.signals["words"])
    segmented = [w for w in words(result.text, "zh") if any(c.isalnum() for c in w)]  # punctuation not counted
    assert judged == len(segmented) > 10 * len(result.text.split())
    terminal = render_terminal(result, color=False)
    assert re.search(r"kept text: (\d+) words", terminal).group(1) == str(judged)
    assert f"words={judged}" in terminal  # the signal line and the summary line agree
    assert re.search(r"kept text (\d+) words", render_html(result)).group(1) == str(judged)


KO_BODY = [
    "새로 문을 연 시립 도서관은 밤에도 열려 있다. 첫날에만 삼천 명이 넘는 시민이 찾아와 책을 빌렸다.",
    "도서관 측은 오 층 건물에 책 사십만 권을 두었고, 밤에 오는 사람을 위해 조용한 방도 따로 만들었다고 한다.",
    "일을 마친 뒤 공부할 곳이 없던 젊은 사람들은 이제 갈 곳이 하나 더 생겼다며 반겼다.",
    "근처 회사에 다니는 한 시민은 한 주에 두세 번 와서 책을 읽고 주말에는 아이와 함께 올 생각이라고 말했다.",
    "시는 밤 시간 이용이 많으면 내년에 다른 두 구에도 같은 방식을 넓힐 계획이다.",
]


def test_korean_prose_is_not_judged_by_english_word_lengths():
    """Korean words are a few Hangul syllables (about 3 characters): Gopher's English lower bound
    on the mean word length would drop real Korean prose."""
    r = scored([(p, True) for p in KO_BODY], "ko", "시립 도서관, 밤에도 문 연다")
    text = "\n".join(KO_BODY)
    mean = sum(len(w) for w in text.split()) / len(text.split())
    assert mean < CFG.gopher_min_mean_word_length  # what the English bound would have fired on
    assert "gopher_mean_word_length" not in r.quality.signals
    assert "gopher-short-words" not in r.quality.flags
    v = verdict(r, CFG)
    assert v.keep, (v, r.quality.flags)
    # a language with spaces and letters keeps the rule
    assert "gopher_mean_word_length" in measure("Das ist ein kurzer Satz in deutscher Sprache.", "de", CFG)
