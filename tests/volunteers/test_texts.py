"""Every SMS of the buddy journey exists in Dutch and English and fits one GSM-7 segment with the
longest values; the offer never carries a placeholder for the citizen's name, address or phone."""
from __future__ import annotations

from messaging import gsm7, sms_texts
from volunteers import texts  # noqa: F401  (registers the texts)

OURS = [p for p in sms_texts.TEXTS if p.startswith(("vol_", "buddy_"))]


def test_every_volunteer_text_in_dutch_and_english_in_one_segment():
    assert len(OURS) >= 18
    for purpose in OURS:
        assert set(sms_texts.TEXTS[purpose]) == {"nl", "en"}, purpose
        for language, template in sms_texts.TEXTS[purpose].items():
            values = {f: sms_texts.LONGEST_VALUES[f] for f in sms_texts.fields_of(template)}
            text = sms_texts.render(purpose, language, values)
            assert gsm7.is_gsm7(template) and gsm7.segments(text) == 1, (purpose, language, len(text))
        assert purpose in sms_texts.PURPOSE_LABELS


def test_the_offer_names_only_the_area_and_the_help():
    for template in sms_texts.TEXTS["vol_offer"].values():
        assert sms_texts.fields_of(template) == {"area", "help", "code"}
