"""GuideResetPanel against the sandbox: search, confirmations naming the reset, read-only keys."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab.widgets import GuideResetPanel


def guide_named(box, name):
    return box.tables["guides"].filter(pl.col("name") == name).row(0, named=True)


def stage(box, *names):
    """Make guides staged (the synthetic subscription has none)."""
    guides = box.tables["guides"]
    box.state.put("guides", guides.with_columns(
        state=pl.when(pl.col("name").is_in(names)).then(pl.lit("staged"))
        .otherwise(pl.col("state"))))


def views(box, guide_id):
    return box.tables["guide_events"].filter(pl.col("guideId") == guide_id).height


@pytest.fixture
def panel(writer):
    return GuideResetPanel(writer)


def test_lists_every_guide_with_its_state_and_searches(box, panel):
    guides = box.tables["guides"]
    assert sorted(label for label, _ in panel.guide.options) == sorted(
        f"{row['name']} [{row['state']}]" for row in guides.iter_rows(named=True))
    panel.search.value = "DRAFT"
    assert [label for label, _ in panel.guide.options] == ["Billing page refresh [draft]"]
    tour = guide_named(box, "Welcome tour")
    panel.search.value = tour["id"][:8]
    assert panel.guide.value == tour["id"]
    panel.search.value = "no such guide"
    assert panel.guide.options == () and panel.guide.value is None
    panel.reset_seen_button.click()
    assert panel.message.value.startswith("ValidationError: choose a guide")


def test_reset_seen_asks_naming_guide_and_visitor_then_resets(box, panel):
    tour = guide_named(box, "Welcome tour")
    panel.guide.value = tour["id"]
    panel.visitor.value = " visitor-7 "
    panel.reset_seen_button.click()
    assert panel.question.value == ("Reset guide 'Welcome tour' as seen by visitor 'visitor-7', "
                                    "so it can show to them again?")
    assert panel.confirmation.layout.display is None
    assert box.tables["guide_resets"].is_empty()

    panel.confirm_button.click()

    resets = box.tables["guide_resets"]
    assert resets.select("visitorId", "guideId").rows() == [("visitor-7", tour["id"])]
    assert panel.message.value == "reset guide 'Welcome tour' as seen by visitor 'visitor-7'"
    assert panel.result == {"action": "reset_seen", "guides": [tour["id"]],
                            "visitor": "visitor-7"}
    assert panel.confirmation.layout.display == "none"


def test_reset_seen_across_all_guides(box, panel):
    panel.visitor.value = "visitor-9"
    panel.reset_all_seen_button.click()
    assert panel.question.value == ("Reset every guide as seen by visitor 'visitor-9', so all can "
                                    "show to them again?")
    panel.confirm_button.click()
    assert box.tables["guide_resets"].select("visitorId", "guideId").rows() == [
        ("visitor-9", None)]
    assert panel.message.value == "reset all guides as seen by visitor 'visitor-9'"


def test_a_visitor_is_needed_for_seen_resets(box, panel):
    panel.reset_all_seen_button.click()
    assert panel.message.value == ("ValidationError: enter the visitor id whose seen guides to "
                                   "reset")
    assert panel.confirmation.layout.display == "none"


def test_cancel_resets_nothing(box, panel):
    panel.visitor.value = "visitor-1"
    panel.reset_all_seen_button.click()
    panel.cancel_button.click()
    assert box.tables["guide_resets"].is_empty()
    assert panel.message.value.startswith("cancelled: Reset every guide")


def test_reset_staged_guide_deletes_its_views(box, panel):
    stage(box, "NPS survey")
    nps = guide_named(box, "NPS survey")
    assert views(box, nps["id"]) > 0
    panel.refresh_button.click()
    panel.guide.value = nps["id"]
    assert {v: k for k, v in panel.guide.options}[nps["id"]] == "NPS survey [staged]"
    panel.reset_staged_button.click()
    assert panel.question.value == ("Reset staged guide 'NPS survey'? Every view and poll answer "
                                    "of it is deleted.")
    assert views(box, nps["id"]) > 0
    panel.confirm_button.click()
    assert views(box, nps["id"]) == 0
    assert panel.message.value == "reset staged guide 'NPS survey'"


def test_a_public_guide_is_not_offered_a_staged_reset(box, panel):
    tour = guide_named(box, "Welcome tour")
    panel.guide.value = tour["id"]
    panel.reset_staged_button.click()
    assert panel.message.value == ("ValidationError: guide 'Welcome tour' is public, not staged: "
                                   "only staged guides can be reset")
    assert panel.confirmation.layout.display == "none"
    assert views(box, tour["id"]) > 0


def test_reset_all_staged_names_every_staged_guide(box, panel):
    panel.reset_all_staged_button.click()
    assert panel.message.value == "ValidationError: no guide is staged: there is nothing to reset"

    stage(box, "NPS survey", "Export format poll")  # staged after the panel was opened
    ids = [guide_named(box, name)["id"] for name in ("NPS survey", "Export format poll")]
    untouched = guide_named(box, "Welcome tour")["id"]
    before = views(box, untouched)
    panel.reset_all_staged_button.click()
    assert panel.question.value == ("Reset all 2 staged guides ('NPS survey', 'Export format "
                                    "poll')? Every view and poll answer of them is deleted.")
    panel.confirm_button.click()
    assert [views(box, guide_id) for guide_id in ids] == [0, 0]
    assert views(box, untouched) == before
    assert sorted(panel.result["guides"]) == sorted(ids)


def test_buttons_are_disabled_while_a_reset_runs(box, panel, monkeypatch):
    states = []
    real = panel.client.guides.reset_all_seen

    def spy(visitor):
        states.append([button.disabled for button in (
            panel.reset_seen_button, panel.reset_all_seen_button, panel.confirm_button,
            panel.refresh_button)])
        return real(visitor)

    monkeypatch.setattr(panel.client.guides, "reset_all_seen", spy)
    panel.visitor.value = "visitor-2"
    panel.reset_all_seen_button.click()
    panel.confirm_button.click()
    assert states == [[True, True, True, True]]
    assert not panel.reset_seen_button.disabled and not panel.confirm_button.disabled


def test_read_only_key_keeps_reset_buttons_disabled_and_says_why(box, reader):
    stage(box, "NPS survey")
    panel = GuideResetPanel(reader)
    resets = [panel.reset_seen_button, panel.reset_all_seen_button, panel.reset_staged_button,
              panel.reset_all_staged_button, panel.confirm_button]
    assert all(button.disabled for button in resets)
    assert all("read-only (checked with verify)" in button.tooltip for button in resets)
    assert panel.notice.value == ("Write buttons are disabled: this integration key is read-only "
                                  "(checked with verify): use a key with write access.")
    assert not panel.refresh_button.disabled and panel.guide.options

    panel.visitor.value = "visitor-1"
    panel.reset_all_seen_button.click()
    panel.confirm_button.click()
    assert box.tables["guide_resets"].is_empty()
    assert panel.confirmation.layout.display == "none"
    assert panel.message.value.startswith("not done: this integration key is read-only")
    panel.refresh_button.click()  # reads still work
    assert all(button.disabled for button in resets)
