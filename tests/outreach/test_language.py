from __future__ import annotations

from outreach.language import RuleSet, check_text, default_rules, parse_rules


def test_language_check_flags_stigmatizing_phrases_with_person_first_suggestions():
    text = "My cousin committed suicide.\nThe mentally ill need care; he suffers from depression."
    found = {f.phrase: f for f in check_text(text)}
    assert set(found) == {"committed suicide", "the mentally ill", "suffers from"}
    assert "died by suicide" in found["committed suicide"].suggestions
    assert found["the mentally ill"].line == 2
    assert found["the mentally ill"].matched == "The mentally ill"
    assert "people with mental illness" in found["the mentally ill"].suggestions


def test_language_check_matches_whole_words_across_line_breaks_only():
    assert check_text("psychotherapy helped; mental health matters; addiction treatment") == []
    [finding] = check_text("he was called an\naddict")
    assert finding.phrase == "addict" and finding.line == 2
    assert {f.phrase for f in check_text("Crazy, psycho, schizo")} == {"crazy", "psycho", "schizo"}


def test_organization_can_extend_the_word_list():
    extra = parse_rules(
        {"entries": [{"phrase": "frequent flyer", "suggestions": ["person who often needs care"]}]},
        "org",
    )
    rules = default_rules().extended(extra)
    [finding] = rules.check("ER staff called him a frequent flyer")
    assert finding.suggestions == ("person who often needs care",)
    assert isinstance(rules, RuleSet) and check_text("frequent flyer") == []


def test_language_check_catches_identity_first_labels_but_not_the_adjective():
    text = "Schizophrenics and the homeless deserve care; psychotics are not dangerous."
    assert {f.phrase for f in check_text(text)} == {"schizophrenics", "the homeless", "psychotics"}
    found = check_text("We fund care for the schizophrenic and for anorexics.")
    assert [f.matched for f in found] == ["the schizophrenic", "anorexics"]
    assert check_text("a schizophrenic episode") == []
    assert "people with schizophrenia" in check_text("schizophrenics")[0].suggestions
