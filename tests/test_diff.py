"""Comparing two versions: pure functions over (template, content) pairs, on small crafted templates."""
from __future__ import annotations

import copy

import pytest

from planbuilder.plan_templates import parse_template
from planbuilder.services.compare import diff, diff_text

ACTOR_A, ACTOR_B, ACTOR_C = "a" * 16, "b" * 16, "c" * 16


def template(revision: int = 1, **changes):
    raw = {
        "id": "xx-test", "revision": revision, "country": "SE", "language": "sv", "title": "Testplan",
        "sections": [
            {"id": "intro", "title": "Inledning", "fields": [
                {"id": "purpose", "type": "long_text", "label": "Syfte"},
                {"id": "owner", "type": "short_text", "label": "Ansvarig"},
                {"id": "levels", "type": "checklist", "label": "Nivåer", "options": [
                    {"value": "general", "label": "Generell"}, {"value": "specific", "label": "Specifik"},
                    {"value": "individual", "label": "Individ"}]},
                {"id": "body", "type": "single_choice", "label": "Beslutsinstans", "options": [
                    {"value": "kf", "label": "Kommunfullmäktige"}, {"value": "ks", "label": "Kommunstyrelsen"}]},
            ]},
            {"id": "actors", "title": "Samverkan", "fields": [
                {"id": "aktorer", "type": "group", "label": "Aktörer", "row_label": "aktör", "fields": [
                    {"id": "name", "type": "short_text", "label": "Namn"},
                    {"id": "description", "type": "long_text", "label": "Roll"},
                    {"id": "contact_function", "type": "short_text", "label": "Kontakt", "sensitive": True},
                ]},
            ]},
            {"id": "secret", "title": "Lägesbild", "sensitive": True, "fields": [
                {"id": "picture", "type": "long_text", "label": "Bild"},
            ]},
        ],
    }
    for section in raw["sections"]:
        section.update(changes.get(section["id"], {}))
    return parse_template(raw, "test")


def content():
    return {
        "intro": {"purpose": "Planen ska ge en gemensam bild av läget.\n\nDen gäller alla verksamheter.",
                  "owner": "Kommunstyrelsen", "levels": ["general", "specific"], "body": "kf"},
        "actors": {"aktorer": [
            {"_id": ACTOR_A, "name": "Polisen", "description": "Tar fram lägesbilden."},
            {"_id": ACTOR_B, "name": "Skolan", "description": "Generellt arbete."},
            {"_id": ACTOR_C, "name": "Socialtjänsten", "contact_function": "Mottagningen"},
        ]},
        "secret": {"picture": "Inga kända miljöer."},
    }


def changed(a=None, b=None, ta=None, tb=None, **kwargs):
    return diff.compare(ta or template(), a if a is not None else content(), tb or template(),
                        b if b is not None else content(), **kwargs)


def section_change(result, section_id, field_id):
    section = result.section(section_id)
    return next(c for c in section.changes if c.id == field_id)


def test_identical_versions_have_no_changes():
    result = changed()
    assert not result.has_changes and result.rows == ()
    assert all(s.kind == "unchanged" for s in result.sections)


def test_text_edit_is_shown_word_by_word_and_keeps_the_rest():
    b = content()
    b["intro"]["purpose"] = "Planen ska ge en tydlig och gemensam bild av läget.\n\nDen gäller alla verksamheter."
    change = section_change(changed(b=b), "intro", "purpose")
    assert change.kind == "changed"
    assert [(p.op, p.text.strip()) for p in change.words if p.op != "same"] == [("ins", "tydlig och")]
    # Joined, the parts give back each side exactly.
    assert "".join(p.text for p in change.words if p.op != "del") == b["intro"]["purpose"]
    assert "".join(p.text for p in change.words if p.op != "ins") == content()["intro"]["purpose"]


def test_replaced_words_are_one_deletion_and_one_insertion():
    parts = diff.word_diff("Mötet hålls varje vecka i stadshuset.", "Mötet hålls varannan månad i stadshuset.")
    assert [(p.op, p.text) for p in parts] == [("same", "Mötet hålls "), ("del", "varje vecka"),
                                                ("ins", "varannan månad"), ("same", " i stadshuset.")]
    assert diff.word_diff("år", "år, också på nätet,")[-1] == diff.Part("ins", ", också på nätet,")


def test_a_mostly_rewritten_text_is_shown_as_replaced_as_a_whole():
    old, new = "Säkerhetssamordnare med särskilt uppdrag för extremism", "Trygghetssamordnare med ansvar för VBE-frågor"
    assert diff.word_diff(old, new) == (diff.Part("del", old), diff.Part("ins", new))


def test_unchanged_paragraphs_are_not_re_examined():
    old = "Första stycket.\n\nAndra stycket.\n\nTredje stycket."
    parts = diff.word_diff(old, old.replace("Andra", "Nya andra"))
    assert parts[0] == diff.Part("same", "Första stycket.\n\n")
    assert parts[1:] == (diff.Part("del", "Andra"), diff.Part("ins", "Nya andra"),
                         diff.Part("same", " stycket.\n\nTredje stycket."))


def test_added_and_removed_fields_and_choice_labels():
    b = content()
    del b["intro"]["owner"]
    b["intro"]["body"] = "ks"
    b["intro"]["levels"] = ["general", "individual"]
    a = content()
    del a["secret"]
    result = changed(a=a, b=b)
    assert section_change(result, "intro", "owner").kind == "removed"
    body = section_change(result, "intro", "body")
    assert (body.old, body.new) == (("Kommunfullmäktige",), ("Kommunstyrelsen",))  # labels, not codes
    levels = section_change(result, "intro", "levels")
    assert levels.items_added == ("Individ",) and levels.items_removed == ("Specifik",)
    assert result.section("secret").kind == "added"


def test_an_edited_row_is_changed_not_removed_and_added():
    b = content()
    b["actors"]["aktorer"][0]["description"] = "Tar fram lägesbilden varje kvartal."
    group = section_change(changed(b=b), "actors", "aktorer")
    edited = [r for r in group.rows if r.kind != "unchanged"]
    assert len(edited) == 1 and edited[0].id == ACTOR_A and edited[0].kind == "changed"
    assert edited[0].title == "Polisen"
    assert [c.id for c in edited[0].cells] == ["description"]
    assert diff.Part("ins", " varje kvartal") in edited[0].cells[0].words


def test_removing_and_adding_rows_are_counted_with_the_row_label():
    b = content()
    rows = b["actors"]["aktorer"]
    del rows[1]
    rows.append({"_id": "d" * 16, "name": "Församlingen"})
    rows.append({"_id": "e" * 16, "name": "Bostadsbolaget"})
    result = changed(b=b)
    kinds = {r.title: r.kind for r in section_change(result, "actors", "aktorer").rows}
    assert kinds == {"Polisen": "unchanged", "Skolan": "removed", "Socialtjänsten": "unchanged",
                     "Församlingen": "added", "Bostadsbolaget": "added"}
    assert result.rows == (diff.RowCounts("aktör", added=2, removed=1),)


def test_the_same_row_under_a_new_id_is_a_removal_and_an_addition():
    b = content()
    b["actors"]["aktorer"][0]["_id"] = "f" * 16
    group = section_change(changed(b=b), "actors", "aktorer")
    assert sorted(r.kind for r in group.rows if r.kind != "unchanged") == ["added", "removed"]


def test_reordering_alone_is_a_move():
    b = content()
    rows = b["actors"]["aktorer"]
    rows[0], rows[2] = rows[2], rows[0]  # Socialtjänsten, Skolan, Polisen
    result = changed(b=b)
    group = section_change(result, "actors", "aktorer")
    assert all(r.kind == "unchanged" for r in group.rows)
    moved = {r.title for r in group.rows if r.moved}
    assert len(moved) == 2  # one of the three keeps its place: the longest run still in the same order
    assert result.rows == (diff.RowCounts("aktör", moved=2),)
    assert "2 aktör moved" in diff_text.summary(result)


def test_a_changed_template_revision_shows_fields_of_one_side_as_added_or_removed():
    newer = template(revision=2, intro={"fields": [
        {"id": "purpose", "type": "long_text", "label": "Syfte"},
        {"id": "vision", "type": "short_text", "label": "Vision"},
    ]})
    b = content()
    b["intro"] = {"purpose": b["intro"]["purpose"], "vision": "Ett tryggt Ekdala"}
    result = changed(b=b, tb=newer)
    intro = result.section("intro")
    kinds = {c.id: c.kind for c in intro.changes}
    assert kinds == {"vision": "added", "owner": "removed", "levels": "removed", "body": "removed"}
    # Labels come from the template that has the field; option labels from the older template.
    assert next(c for c in intro.changes if c.id == "body").old == ("Kommunfullmäktige",)


def test_values_whose_field_no_template_knows_are_still_shown():
    a = content()
    a["intro"]["old_field"] = "Gammalt svar"
    a["gone"] = {"x": "Ett avsnitt som inte finns"}
    result = changed(a=a)
    assert section_change(result, "intro", "old_field").kind == "removed"
    assert result.section("gone").kind == "removed"


def test_public_comparison_leaves_out_sensitive_sections_fields_and_columns():
    b = content()
    b["secret"]["picture"] = "Ny lägesbild."
    b["actors"]["aktorer"][2]["contact_function"] = "Ny kontakt"
    assert {s.id for s in changed(b=b).changed_sections} == {"secret", "actors"}
    public = changed(b=b, include_sensitive=False)
    assert public.section("secret") is None
    assert not public.has_changes


def test_summary_and_plain_text(app):
    b = content()
    b["intro"]["owner"] = "Kommundirektören"
    b["actors"]["aktorer"].append({"_id": "d" * 16, "name": "Församlingen"})
    del b["actors"]["aktorer"][1]
    result = changed(b=b)
    assert diff_text.summary(result) == ("2 sections changed", "1 aktör added", "1 aktör removed")
    text = diff_text.as_text(result, "Testplan: 2026 → 2026 rev. 2")
    assert "~ Ansvarig: [-Kommunstyrelsen-]{+Kommundirektören+}" in text
    assert "+ aktör “Församlingen”" in text and "- aktör “Skolan”" in text
    assert "3. Lägesbild: no changes" in text
    assert diff_text.summary(changed()) == ("No changes",)


def test_listing_shows_an_unchanged_section():
    entries = diff.listing(template(), content(), "actors", include_sensitive=False)
    rows = entries[0].rows
    assert [r.title for r in rows] == ["Polisen", "Skolan", "Socialtjänsten"]
    assert all(cell.id != "contact_function" for row in rows for cell in row.cells)


@pytest.mark.parametrize("broken", [None, {"intro": "not a mapping"}, {"actors": {"aktorer": ["x", 3]}}])
def test_odd_stored_content_does_not_break_the_comparison(broken):
    result = changed(a=copy.deepcopy(broken) if broken is not None else None)
    assert result.section("intro") is not None
