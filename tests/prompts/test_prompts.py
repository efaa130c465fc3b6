import pytest

from prompts import load


@pytest.mark.parametrize("persona", ["customer", "rep"])
def test_every_persona_has_both_languages_with_placeholders(persona):
    en, zh = load(persona, "en"), load(persona, "zh")
    assert en.text != zh.text and en.version != zh.version
    for t in (en, zh):
        assert "{sources}" in t.text and "{company}" in t.text
        assert "{" not in t.render(company="X", sources="S", rep_name="R", stage="G", tools="T")


def test_unknown_language_falls_back_to_english():
    assert load("customer", "fr").text == load("customer", "en").text
