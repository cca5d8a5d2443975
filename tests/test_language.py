"""Language identification (py3langid) and the stop lists the features read by language code."""

from __future__ import annotations

import pytest

from detector import Config, RawDoc
from detector.extract import extract
from detector.language import ISO_TO_JUSTEXT, _identifier, detect_language, identify_language, stopwords

TEXTS = {
    "ar": "قالت الحكومة إن المشروع الجديد سيوفر آلاف الوظائف للشباب في المدن الصغيرة خلال العامين المقبلين.",
    "el": "Η κυβέρνηση δήλωσε ότι το νέο έργο θα δημιουργήσει χιλιάδες θέσεις εργασίας για τους νέους στις μικρές πόλεις.",
    "hi": "सरकार ने कहा कि नई परियोजना से अगले दो वर्षों में छोटे शहरों के युवाओं के लिए हज़ारों नौकरियाँ पैदा होंगी।",
    "he": "הממשלה אמרה שהפרויקט החדש ייצור אלפי מקומות עבודה לצעירים בערים הקטנות בשנתיים הקרובות.",
    "th": "รัฐบาลกล่าวว่าโครงการใหม่นี้จะสร้างงานหลายพันตำแหน่งให้กับคนหนุ่มสาวในเมืองเล็กภายในสองปีข้างหน้า",
    "ca": "El govern ha dit que el nou projecte crearà milers de llocs de treball per als joves de les ciutats petites.",
    "no": "Regjeringen sier at det nye prosjektet vil skape tusenvis av arbeidsplasser for unge i småbyene de neste to årene.",
    "de": "Die Regierung sagte, das neue Projekt werde in den nächsten zwei Jahren Tausende Arbeitsplätze schaffen.",
    "pt": "O governo disse que o novo projeto vai criar milhares de empregos para os jovens nas cidades pequenas.",
    "ru": "Правительство заявило, что новый проект создаст тысячи рабочих мест для молодежи в небольших городах.",
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_identifies_the_language_of_a_sentence(lang):
    assert detect_language(TEXTS[lang]) == lang


@pytest.mark.parametrize("lang", ["ar", "el", "hi", "he", "th"])
def test_scripts_the_stop_word_vote_missed_are_not_null(lang):
    code, prob = identify_language(TEXTS[lang])
    assert code == lang and prob >= 0.5


@pytest.mark.parametrize("lang", ["ar", "el", "hi", "he", "ca", "no", "de", "pt", "ru"])
def test_identified_codes_still_reach_their_stop_list(lang):
    # features read jusText's stop list by the code: an identified language with a list must map
    assert lang in ISO_TO_JUSTEXT and stopwords(detect_language(TEXTS[lang]))


def test_every_identifier_label_with_a_justext_list_is_mapped():
    import justext

    lists = {name.lower() for name in justext.get_stoplists()}
    mapped = {name.lower() for name in ISO_TO_JUSTEXT.values()}
    missing = [code for code in _identifier().labels if ISO_TO_JUSTEXT.get(code, "").lower() not in lists
               and code in ISO_TO_JUSTEXT]
    assert not missing and mapped <= lists


def test_declared_language_wins_and_short_text_has_none():
    assert detect_language(TEXTS["de"], declared="en-GB") == "en"
    assert detect_language(TEXTS["de"], declared="xx") == "de"  # unknown declaration: identified
    assert detect_language("OK 12") is None
    assert detect_language("") is None


def test_document_language_from_text_without_lang_attribute():
    html = f"<html><body><h1>Titre</h1><p>{TEXTS['ca']}</p><p>{TEXTS['ca']}</p></body></html>"
    doc = extract(RawDoc(id="ca", content=html), Config())
    assert doc.language == "ca"
