"""Charset handling by the WHATWG label table (w3lib), UTF-16 without a BOM, lying declarations."""

from __future__ import annotations

import contextlib
import io

import pytest

from detector import InputError
from detector.cli import main
from detector.extract.encoding import decode, resolve_label

ARTICLE = (
    "<html><head><title>Zürich</title></head><body>"
    "<p>Grüße aus Zürich: the café’s naïve “crème brûlée” costs €5 — a fair price.</p>"
    "<p>Second paragraph with plain ASCII words about the city and its lake.</p></body></html>"
)


def test_iso_8859_1_label_means_windows_1252(detector):
    result = detector.score_html(b'<meta charset="iso-8859-1"><p>\x93we\x94 \x80 5</p>')
    texts = [p.text for p in result.paragraphs]
    assert texts == ["\u201cwe\u201d \u20ac 5"]
    assert not any("\x93" in t or "\x80" in t for t in texts)


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("iso-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("US-ASCII", "cp1252"),
        ("gb2312", "gb18030"),
        ("shift_jis", "cp932"),
        ("text/html; charset=ISO-8859-1", "cp1252"),
        ("UTF-8", "utf-8"),
        ("x-foo", None),
        ("base64", None),  # a codec, not a charset
        ("utf-7", None),  # no WHATWG label: decodes ASCII bytes into markup
    ],
)
def test_labels_follow_the_whatwg_table(label, codec):
    assert resolve_label(label) == codec


def test_header_label_iso_8859_1_decodes_cp1252_bytes():
    data = ARTICLE.encode("cp1252")
    assert decode(data, declared="ISO-8859-1").text == ARTICLE


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_and_a_declaration_decodes(detector, codec):
    data = ARTICLE.encode(codec)
    decoded = decode(data, declared=codec)
    assert decoded.text == ARTICLE and decoded.encoding == codec
    # "utf-16" (no byte order) names the order the bytes show
    assert decode(data, declared="utf-16").text == ARTICLE
    result = detector.score_html(data, encoding=codec)
    assert any("Grüße aus Zürich" in p.text for p in result.paragraphs)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_or_declaration_is_recognised_not_refused(codec):
    decoded = decode(ARTICLE.encode(codec), source="page.html")
    assert decoded.text == ARTICLE and "charset-detected" in decoded.notes


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["score", *argv])
    return code, out.getvalue(), err.getvalue()


def test_cli_encoding_utf16le_without_bom(tmp_path):
    path = tmp_path / "utf16.html"
    path.write_bytes(ARTICLE.encode("utf-16-le"))
    code, out, err = run_cli("--json", "--encoding", "utf-16-le", str(path))
    assert code == 0, err
    assert "Grüße aus Zürich" in out


def test_lying_meta_utf16_on_a_byte_page_is_read_as_bytes():
    # a windows-1252 page that claims UTF-16 in its <meta>: WHATWG reads such a <meta> as UTF-8,
    # which fails here, so detection decides; never UTF-16 (CJK garbage)
    page = ARTICLE.replace("<head>", '<head><meta charset="utf-16">')
    decoded = decode(page.encode("cp1252"))
    assert "Grüße aus Zürich" in decoded.text and "€5" in decoded.text
    assert not any("\u3400" <= ch <= "\u9fff" for ch in decoded.text)
    assert "meta-utf-16-read-as-utf-8" in decoded.notes
    # and on a UTF-8 page the lie changes nothing
    assert decode(page.encode("utf-8")).text == page


def test_lying_utf16_header_on_a_byte_page_is_noted_not_obeyed():
    decoded = decode(ARTICLE.encode("utf-8"), declared="utf-16")
    assert decoded.text == ARTICLE and "charset-mismatch:utf-16" in decoded.notes


def test_binary_declared_as_utf16_is_still_refused():
    blob = bytes(range(1, 32)) * 300  # control bytes: binary whichever way it is read
    with pytest.raises(InputError, match="binary") as exc:
        decode(blob, declared="utf-16-le", source="blob.bin")
    assert "blob.bin" in str(exc.value)
    with pytest.raises(InputError, match="binary"):
        decode(b"\x01\x00\x02\x00\x03\x00" * 2000, source="blob.bin")


def test_bom_still_wins_over_declarations():
    data = b"\xef\xbb\xbf" + ARTICLE.replace("<head>", '<head><meta charset="iso-8859-1">').encode("utf-8")
    assert "Grüße aus Zürich" in decode(data, declared="iso-8859-2").text
    assert decode(b"\xff\xfe" + ARTICLE.encode("utf-16-le"), declared="iso-8859-1").text == ARTICLE


def test_bytes_no_charset_reads_are_refused_not_decoded_as_replacement_text(tmp_path):
    # random bytes above 0x7f: no control bytes, not UTF-8, and charset-normalizer finds no
    # charset that reads them as language: refused, naming the input
    import random

    rng = random.Random(7)
    blob = bytes(rng.randrange(128, 256) for _ in range(4000))
    with pytest.raises(InputError, match="not text in any known charset") as exc:
        decode(blob, source="noise.html")
    assert "noise.html" in str(exc.value)
    # a page with a few mis-encoded bytes is still read, the damage noted
    page = ARTICLE.encode("utf-8").replace(b"</body>", b"\xff\xfe\xfa</body>")
    decoded = decode(page, source="page.html")
    assert "Grüße aus Zürich" in decoded.text and "invalid-utf-8" in decoded.notes
    # in a batch, the noise file is an error record and the good file is still cleaned
    src = tmp_path / "in"
    src.mkdir()
    (src / "noise.html").write_bytes(blob)
    (src / "good.html").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with contextlib.redirect_stderr(io.StringIO()):
        main(["clean", str(src), "-o", str(out), "--workers", "1"])
    errors = (tmp_path / "out.jsonl.errors.jsonl").read_text("utf-8")
    assert "noise.html" in errors and "not text in any known charset" in errors
    rows = out.read_text("utf-8").splitlines()
    assert len(rows) == 1 and "good.html" in rows[0] and len(errors.splitlines()) == 1


# --- pages without a declared charset (no BOM, no <meta>, no header) --------------------------


def _page(*paragraphs: str) -> str:
    return "<html><head><title>Page</title></head><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"


UNDECLARED = {
    "fr": ("cp1252", _page("Il était très tôt quand le boulanger a ouvert sa boutique près de l'église.",
                           "Les élèves ont mangé des crêpes et bu un café au lait à côté du lycée.",
                           "C'est déjà l'été : on préfère se reposer à l'ombre des arbres.")),
    "fr-short": ("cp1252", "<p>Il était très tôt, déjà l'été.</p>"),
    "de": ("cp1252", _page("Die Straße war nass, und die Bäume vor dem Rathaus wurden vom Wind geschüttelt.",
                           "Wir müssen früh aufstehen, weil der Zug um fünf Uhr abfährt.",
                           "Über die Brücke gehen täglich viele Fußgänger.")),
    "es": ("cp1252", _page("El niño comió una manzana en el jardín de su abuela después de la lección.",
                           "¿Cuántos años tienes? preguntó la señora con una sonrisa.",
                           "La canción más famosa del año se escuchó en toda la región.")),
    "pt": ("cp1252", _page("A educação é a base da nação; não há razão para a população não ter acesso à informação.",
                           "Ela comprou pão e maçãs no mercado às três horas.")),
    "it": ("cp1252", _page("Perché la città è così bella? Però il caffè è più caro qui che là.",
                           "Lunedì andrò all'università per l'attività di ricerca.")),
    "sv": ("cp1252", _page("Det är en vacker dag och vi åker till sjön för att bada. Många människor är ute i solen.",
                           "Köp mjölk och bröd på vägen hem, tack så mycket.")),
    # pages in another code page, whose language the detector recognises there: kept
    "ru-cp1251": ("cp1251", _page("Вчера в Москве прошла большая конференция, посвящённая развитию науки и "
                                  "образования в России.",
                                  "Участники обсудили новые методы обучения и роль технологий в современной школе.")),
    "ru-koi8": ("koi8-r", _page("Вчера в Москве прошла большая конференция, посвящённая развитию науки и "
                                "образования в России.",
                                "Участники обсудили новые методы обучения и роль технологий в современной школе.")),
    "uk-cp1251": ("cp1251", _page("Учора в Києві відбулася велика конференція, присвячена розвитку науки та освіти.",
                                  "Учасники обговорили нові методи навчання і роль технологій у школі.")),
    "pl-cp1250": ("cp1250", _page("Wczoraj w Warszawie odbyła się duża konferencja poświęcona rozwojowi nauki.",
                                  "Uczestnicy rozmawiali o nowych metodach nauczania i roli technologii w szkole.",
                                  "Żółć gęślą jaźń, źdźbło, łódź i świąteczne życzenia.")),
    "tr-cp1254": ("cp1254", _page("Dün İstanbul'da bilim ve eğitimin gelişimine ayrılmış büyük bir konferans düzenlendi.",
                                  "Katılımcılar yeni öğretim yöntemlerini ve teknolojinin okuldaki rolünü tartıştı.",
                                  "Şu anda hava çok güzel, ağaçların gölgesinde oturuyoruz.")),
    "el-cp1253": ("cp1253", _page("Χθες στην Αθήνα πραγματοποιήθηκε ένα μεγάλο συνέδριο για την ανάπτυξη της επιστήμης.",
                                  "Οι συμμετέχοντες συζήτησαν νέες μεθόδους διδασκαλίας και τον ρόλο της τεχνολογίας.")),
}


@pytest.mark.parametrize("name", sorted(UNDECLARED))
def test_an_undeclared_single_byte_page_decodes_exactly(name):
    """French in windows-1252 without a charset came out "trčs" (charset-normalizer's windows-1257),
    Italian "cittŕ" and Portuguese "naçăo" (windows-1250, first among ties), Swedish in hp-roman8."""
    codec, page = UNDECLARED[name]
    decoded = decode(page.encode(codec), source=f"{name}.html")
    assert decoded.text == page
    assert "charset-detected" in decoded.notes


@pytest.mark.parametrize("name", ["fr", "it", "ru-cp1251"])
def test_an_undeclared_page_decodes_exactly_the_same_as_utf8(name):
    codec, page = UNDECLARED[name]
    decoded = decode(page.encode("utf-8"))
    assert decoded.text == page and decoded.encoding == "utf-8" and decoded.notes == ()


def test_the_score_command_reads_an_undeclared_windows_1252_page(tmp_path):
    path = tmp_path / "fr.html"
    path.write_bytes(UNDECLARED["fr"][1].encode("cp1252"))
    code, out, err = run_cli("--json", str(path))
    assert code == 0, err
    import json

    text = json.loads(out)["text"]
    assert "très tôt" in text and "trčs" not in text


HUNGARIAN = ("<html lang='hu'><head><title>Hír</title></head><body>"
             "<p>Tegnap Budapesten nagy konferenciát tartottak a tudomány és az oktatás fejlődéséről. "
             "A résztvevők új tanítási módszereket vitattak meg.</p>"
             "<p>Árvíztűrő tükörfúrógép, őszi időjárás és hűvös szél.</p></body></html>")


@pytest.mark.parametrize("codec", ["cp1250", "iso8859_2"])
def test_an_undeclared_page_is_read_with_its_declared_languages_default(codec):
    """ő and ű are the only letters windows-1250 and windows-1252 read apart: an undeclared
    Hungarian page ties, and windows-1252 made them õ and û. ``<html lang="hu">`` gives the HTML
    Standard's Hungarian default (ISO-8859-2), so the library's Central European pick stands."""
    decoded = decode(HUNGARIAN.encode(codec), source="hu.html")
    assert decoded.text == HUNGARIAN
    assert "őszi" in decoded.text and "õszi" not in decoded.text


@pytest.mark.parametrize(
    ("html", "default"),
    [
        (b"<html lang='hu'>", "iso8859-2"),
        (b'<html class="no-js" lang="pl-PL">', "iso8859-2"),
        (b"<HTML LANG=ru>", "cp1251"),
        (b'<html lang="zh-TW">', "big5hkscs"),
        (b'<html lang="zh">', "gb18030"),
        (b'<html lang="fr">', "cp1252"),
        (b"<html>", "cp1252"),
        (b"<p lang='hu'>", "cp1252"),  # only the root element's language is the page's
    ],
)
def test_the_default_encoding_follows_the_html_standards_locale_table(html, default):
    from detector.extract.encoding import declared_language_default

    assert declared_language_default(html + b"<body><p>text</p></body></html>") == default


def test_a_french_page_that_names_its_language_still_reads_as_windows_1252():
    codec, page = UNDECLARED["fr"]
    page = page.replace("<html>", '<html lang="fr">')
    assert decode(page.encode(codec)).text == page
