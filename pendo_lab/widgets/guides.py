"""``GuideResetPanel``: reset guides as seen by a visitor, or reset staged guides.

A searchable list shows each guide with its state. Every reset asks for confirmation naming
exactly what will be reset; with a read-only key (checked through ``client.verify()``) the
reset buttons stay disabled and the panel says why.

Example:
    >>> from pendo_lab import Pendo
    >>> panel = GuideResetPanel(Pendo.sandbox())
    >>> panel.search.value = "tour"
    >>> [label for label, _ in panel.guide.options]
    ['Welcome tour [public]']
    >>> panel.visitor.value = "visitor-1"
    >>> panel.reset_seen_button.click()
    >>> panel.question.value
    "Reset guide 'Welcome tour' as seen by visitor 'visitor-1', so it can show to them again?"
    >>> panel.confirm_button.click()
    >>> panel.message.value
    "reset guide 'Welcome tour' as seen by visitor 'visitor-1'"
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import polars as pl

from .._exceptions import ValidationError
from ._form import Done, Form, plural, required_text, sample


class GuideResetPanel(Form):
    """A form over the guide resets of ``client.guides``.

    ``.result`` after a reset is ``{"action", "guides": [ids], "visitor"}`` (``visitor`` is
    None for staged resets).

    Example:
        >>> from pendo_lab.sandbox import Sandbox
        >>> panel = GuideResetPanel(Sandbox().client(read_only=True))
        >>> panel.reset_all_staged_button.disabled
        True
    """

    def __init__(self, client: Any):
        super().__init__(client, writes=True)
        self.guides = pl.DataFrame()
        self.search = widgets.Text(description="Search", placeholder="name, id or state")
        self.guide = widgets.Select(description="Guide", rows=8, layout={"width": "40em"})
        self.refresh_button = self.button("Refresh", self.refresh, writes=False)
        self.visitor = widgets.Text(description="Visitor", placeholder="visitor id")
        self.reset_seen_button = self.button("Reset seen", self._ask_seen, style="warning")
        self.reset_all_seen_button = self.button("Reset seen, all guides", self._ask_all_seen,
                                                 style="warning")
        self.reset_staged_button = self.button("Reset staged guide", self._ask_staged,
                                               style="danger")
        self.reset_all_staged_button = self.button("Reset all staged guides",
                                                   self._ask_all_staged, style="danger")
        self.children = [
            self.notice, widgets.HBox([self.search, self.refresh_button]), self.guide,
            widgets.HBox([self.visitor, self.reset_seen_button, self.reset_all_seen_button]),
            widgets.HBox([self.reset_staged_button, self.reset_all_staged_button]),
            self.confirmation, self.message,
        ]
        self.search.observe(lambda _: self._filter(), "value")
        self.run(self.refresh)

    def refresh(self) -> str:
        """Reload the guides of every app (id, name, state) and apply the search.

        Example:
            >>> GuideResetPanel(client).refresh()
            '7 guides listed'
        """
        self.guides = self.client.guides.list(expand=True).select("id", "name", "state")
        self._filter()
        return f"{plural(self.guides.height, 'guide')} listed"

    def _filter(self) -> None:
        words = self.search.value.strip().lower()
        shown = self.guides.filter(
            pl.concat_str("id", "name", "state", separator=" ").str.to_lowercase()
            .str.contains(words, literal=True)) if words else self.guides
        keep = self.guide.value
        self.guide.options = [(f"{row['name']} [{row['state']}]", row["id"])
                              for row in shown.iter_rows(named=True)]
        ids = shown["id"].to_list()
        self.guide.value = keep if keep in ids else (ids[0] if ids else None)

    def _chosen(self) -> dict:
        if self.guide.value is None:
            raise ValidationError("choose a guide (search finds guides by name, id or state)")
        return self.guides.filter(pl.col("id") == self.guide.value).row(0, named=True)

    def _visitor(self) -> str:
        return required_text(self.visitor, "the visitor id whose seen guides to reset")

    def _ask_seen(self) -> None:
        guide, visitor = self._chosen(), self._visitor()
        self.ask(f"Reset guide {guide['name']!r} as seen by visitor {visitor!r}, so it can show "
                 f"to them again?", lambda: self._reset_seen(guide, visitor))

    def _reset_seen(self, guide: dict, visitor: str) -> Done:
        self.client.guides.reset_seen(guide["id"], visitor)
        return Done(f"reset guide {guide['name']!r} as seen by visitor {visitor!r}",
                    {"action": "reset_seen", "guides": [guide["id"]], "visitor": visitor})

    def _ask_all_seen(self) -> None:
        visitor = self._visitor()
        self.ask(f"Reset every guide as seen by visitor {visitor!r}, so all can show to them "
                 f"again?", lambda: self._reset_all_seen(visitor))

    def _reset_all_seen(self, visitor: str) -> Done:
        self.client.guides.reset_all_seen(visitor)
        return Done(f"reset all guides as seen by visitor {visitor!r}",
                    {"action": "reset_all_seen", "guides": self.guides["id"].to_list(),
                     "visitor": visitor})

    def _ask_staged(self) -> None:
        guide = self._chosen()
        if guide["state"] != "staged":
            raise ValidationError(f"guide {guide['name']!r} is {guide['state']}, not staged: "
                                  f"only staged guides can be reset")
        self.ask(f"Reset staged guide {guide['name']!r}? Every view and poll answer of it is "
                 f"deleted.", lambda: self._reset_staged(guide))

    def _reset_staged(self, guide: dict) -> Done:
        self.client.guides.reset_staged(guide["id"])
        return Done(f"reset staged guide {guide['name']!r}",
                    {"action": "reset_staged", "guides": [guide["id"]], "visitor": None})

    def _ask_all_staged(self) -> None:
        self.refresh()  # the question must name every guide that is staged now
        staged = self.guides.filter(pl.col("state") == "staged")
        if staged.is_empty():
            raise ValidationError("no guide is staged: there is nothing to reset")
        names = sample(staged["name"].to_list())
        self.ask(f"Reset all {plural(staged.height, 'staged guide')} ({names})? Every view and "
                 f"poll answer of them is deleted.", lambda: self._reset_all_staged(staged))

    def _reset_all_staged(self, staged: pl.DataFrame) -> Done:
        self.client.guides.reset_all_staged()
        names = sample(staged["name"].to_list())
        return Done(f"reset {plural(staged.height, 'staged guide')}: {names}",
                    {"action": "reset_all_staged", "guides": staged["id"].to_list(),
                     "visitor": None})
