"""``SegmentManager``: create, rename, refill, patch and delete segments from a form.

Pick an action, a segment and the visitors (pasted ids, or a column of an uploaded CSV or a
DataFrame); the preview line says what the action will change before anything is written.
Uploads and visitor replacements start a Pendo job: the form polls its status and moves a
progress bar through Pending and Progress until Finish, then shows the counts and a chart.
Deleting asks for confirmation first.

Example:
    >>> from pendo_lab import Pendo
    >>> manager = SegmentManager(Pendo.sandbox(job_seconds=0.05), poll_seconds=0.05)
    >>> manager.name.value = "Pilot"
    >>> manager.pasted.value = "visitor-1, visitor-2"
    >>> manager.preview.value
    "Will create segment 'Pilot' with 2 visitors: 'visitor-1', 'visitor-2'"
    >>> manager.apply_button.click()
    >>> manager.message.value
    "created segment 'Pilot' with 2 visitors"
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import polars as pl

from .._exceptions import ValidationError
from ..resources.segments import (
    DONE_STATES,
    FAILED_STATES,
    PATCH_VISITORS,
    SegmentJobError,
    SegmentTimeoutError,
    job_state,
)
from ._form import (Done, Form, TableInput, column_ids, counts_chart, parse_ids, plural,
                    required_text, sample, show)

ACTIONS = ("Create", "Rename", "Replace visitors", "Add visitors", "Remove visitors", "Delete")
PASTED, TABLE = "Pasted ids", "Table column"
#: Progress bar position of each job state (the bar runs to 3 at Finish).
JOB_STEPS = {"pending": 1, "progress": 2}


class SegmentManager(Form):
    """A form over ``client.segments``: list, create, rename, replace, add, remove, delete.

    ``poll_seconds`` is the pause between job status checks and ``job_timeout`` how long a
    job may take. After each action ``.result`` holds a dict with ``action``, ``segment``
    and, where there are some, ``counts`` and the job's final ``status``.

    Example:
        >>> from pendo_lab import Pendo
        >>> manager = SegmentManager(Pendo.sandbox())
        >>> for label, _ in manager.segment.options:
        ...     print(label.split(" · ")[0])
        Beta testers
        Enterprise admins (made in Pendo: read-only)
        Key accounts (made in Pendo: read-only)
    """

    def __init__(self, client: Any, *, poll_seconds: float = 1.0, job_timeout: float = 600.0):
        super().__init__(client, writes=True)
        self.poll_seconds = poll_seconds
        self.job_timeout = job_timeout
        self.segment_list = pl.DataFrame()
        self.segment = widgets.Dropdown(description="Segment", layout={"width": "32em"})
        self.refresh_button = self.button("Refresh", self.refresh, writes=False)
        self.action = widgets.ToggleButtons(options=ACTIONS, description="Action")
        self.name = widgets.Text(description="Name", placeholder="segment name")
        self.source = widgets.ToggleButtons(options=(PASTED, TABLE), description="Visitors")
        self.pasted = widgets.Textarea(placeholder="visitor ids, one per line or comma-separated",
                                       layout={"width": "32em", "height": "6em"})
        self.table = TableInput(self, self._table_changed)
        self.column = widgets.Dropdown(description="Id column")
        self.preview = widgets.Label()
        self.apply_button = self.button("Create", self._apply, style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=3, description="Job")
        self.job = widgets.Label()
        self.visitor_inputs = widgets.VBox([self.source, self.pasted, self.table, self.column])
        self.children = [
            self.notice, widgets.HBox([self.segment, self.refresh_button]), self.action,
            self.name, self.visitor_inputs, self.preview, self.apply_button,
            widgets.HBox([self.progress, self.job]), self.confirmation, self.message,
            self.chart_area,
        ]
        for control in (self.segment, self.action, self.name, self.source, self.pasted,
                        self.column):
            control.observe(lambda _: self._update(), "value")
        self.run(self.refresh)
        self._update()

    def refresh(self) -> str:
        """Reload the segment list (the dropdown keeps its choice when it still exists).

        Example:
            >>> manager = SegmentManager(client)
            >>> client.segments.create("Pilot", ["visitor-1"])["name"]
            'Pilot'
            >>> manager.refresh()
            '4 segments listed'
        """
        self._load_segments(self.segment.value)
        return f"{plural(self.segment_list.height, 'segment')} listed"

    def use_frame(self, frame: Any, column: str | None = None) -> SegmentManager:
        """Take visitor ids from a DataFrame's ``column`` (default ``visitorId`` or the first).

        Example:
            >>> from pendo_lab import Pendo
            >>> manager = SegmentManager(Pendo.sandbox())
            >>> manager.use_frame(pl.DataFrame({"visitorId": ["v1", "v2"]})).source.value
            'Table column'
        """
        self.table.use(frame)
        if column is not None:
            self.column.value = column
        return self

    def _table_changed(self) -> None:
        columns = self.table.frame.columns
        self.column.options = columns
        self.column.value = "visitorId" if "visitorId" in columns else columns[0]
        self.source.value = TABLE

    def _load_segments(self, keep: str | None = None) -> None:
        self.segment_list = self.client.segments.list()
        rows = self.segment_list.to_dicts()
        self.segment.options = [(_label(row), row["id"]) for row in rows]
        ids = [row["id"] for row in rows]
        self.segment.value = keep if keep in ids else (ids[0] if ids else None)

    def _update(self) -> None:
        """Show the inputs the action needs and preview what it would change."""
        action = self.action.value
        self.apply_button.description = action
        self.apply_button.button_style = "danger" if action == "Delete" else "primary"
        show(self.name, action in ("Create", "Rename"))
        show(self.visitor_inputs, action not in ("Rename", "Delete"))
        show(self.pasted, self.source.value == PASTED)
        show(self.column, self.source.value == TABLE)
        try:
            self.preview.value = f"Will {self._plan()[0]}"
        except ValidationError as exc:
            self.preview.value = f"Not ready: {exc}"

    def _plan(self) -> tuple[str, Callable[[], Done]]:
        """What the chosen action will do, in words, and the function doing it."""
        action = self.action.value
        if action == "Create":
            name, ids = self._name(), self._visitor_ids()
            return (f"create segment {name!r} with {plural(len(ids), 'visitor')}: {sample(ids)}",
                    lambda: self._create(name, ids))
        segment = self._segment()
        if action == "Rename":
            name = self._name()
            return (f"rename segment {segment['name']!r} to {name!r}",
                    lambda: self._rename(segment, name))
        if action == "Delete":
            return (f"delete segment {segment['name']!r} ({segment['id']})",
                    lambda: self._delete(segment))
        ids = self._visitor_ids()
        if action == "Replace visitors":
            words = (f"replace the visitors of segment {segment['name']!r} with these "
                     f"{plural(len(ids), 'visitor')}: {sample(ids)}")
            return words, lambda: self._replace(segment, ids)
        op = "add" if action == "Add visitors" else "remove"
        calls = math.ceil(len(ids) / PATCH_VISITORS)
        where = "to" if op == "add" else "from"
        words = (f"{op} {plural(len(ids), 'visitor')} {where} segment {segment['name']!r} in "
                 f"{plural(calls, 'PATCH call')}: {sample(ids)}")
        return words, lambda: self._patch(segment, op, ids)

    def _apply(self) -> Done | None:
        words, operation = self._plan()
        if self.action.value == "Delete":
            self.ask(f"Really {words}? This cannot be undone.", operation)
            return None
        return operation()

    def _name(self) -> str:
        return required_text(self.name, "a segment name")

    def _segment(self) -> dict:
        if self.segment.value is None:
            raise ValidationError("choose a segment (Refresh reloads the list)")
        return self.segment_list.filter(pl.col("id") == self.segment.value).row(0, named=True)

    def _visitor_ids(self) -> list[str]:
        if self.source.value == PASTED:
            ids = parse_ids(self.pasted.value)
        elif self.table.frame is None:
            raise ValidationError("upload a CSV file or pass a DataFrame to use_frame()")
        else:
            ids = column_ids(self.table.frame, self.column.value)
        if not ids:
            raise ValidationError("no visitor ids: paste some, or pick a column that has ids")
        return ids

    def _create(self, name: str, ids: list[str]) -> Done:
        segment = self.client.segments.create(name, ids)
        status = self._wait(segment["id"])
        self._load_segments(segment["id"])
        return self._job_done(f"created segment {name!r} with", "create", segment, ids, status)

    def _replace(self, segment: dict, ids: list[str]) -> Done:
        self.client.segments.update(segment["id"], visitors=ids)
        status = self._wait(segment["id"])
        return self._job_done(f"replaced the visitors of segment {segment['name']!r}: now",
                              "replace", segment, ids, status)

    def _job_done(self, words: str, action: str, segment: dict, ids: list[str],
                  status: dict) -> Done:
        tagged = int(status.get("totalTagged", len(ids)))
        counts = {"visitor ids sent": len(ids), "visitors in segment": tagged}
        return Done(f"{words} {plural(tagged, 'visitor')}",
                    {"action": action, "segment": segment, "counts": counts, "status": status},
                    counts_chart(counts, f"segment {segment.get('name')!r}"))

    def _rename(self, segment: dict, name: str) -> Done:
        updated = self.client.segments.update(segment["id"], name=name)
        self._load_segments(segment["id"])
        return Done(f"renamed segment {segment['name']!r} to {name!r}",
                    {"action": "rename", "segment": updated})

    def _patch(self, segment: dict, op: str, ids: list[str]) -> Done:
        outcome = self.client.segments.patch_visitors(segment["id"], **{op: ids})
        counts = {"added": outcome["added"], "removed": outcome["removed"]}
        done = "added" if op == "add" else "removed"
        where = "to" if op == "add" else "from"
        return Done(f"{done} {plural(counts[done], 'visitor')} {where} segment "
                    f"{segment['name']!r} in {plural(outcome['calls'], 'PATCH call')}",
                    {"action": op, "segment": segment, "counts": counts, "outcome": outcome},
                    counts_chart(counts, f"segment {segment['name']!r}"))

    def _delete(self, segment: dict) -> Done:
        self.client.segments.delete(segment["id"])
        self._load_segments()
        return Done(f"deleted segment {segment['name']!r}",
                    {"action": "delete", "segment": segment})

    def _wait(self, segment_id: str) -> dict:
        """Poll the segment's job, moving the progress bar, until Finish; the last status.

        The client's ``segments.wait`` draws a tqdm bar outside the form; this loop moves the
        form's own bar instead, phase by phase.
        """
        started = time.monotonic()
        self.progress.value, self.progress.bar_style = 0, "info"
        while True:
            status = self.client.segments.status(segment_id)
            state = job_state(status)
            self.job.value = str(status.get("command", state))
            if state in DONE_STATES:
                self.progress.value, self.progress.bar_style = self.progress.max, "success"
                return status
            if state in FAILED_STATES:
                self.progress.bar_style = "danger"
                raise SegmentJobError(f"segment {segment_id}", status)
            self.progress.value = JOB_STEPS.get(state, self.progress.value)
            if time.monotonic() - started >= self.job_timeout:
                self.progress.bar_style = "warning"
                raise SegmentTimeoutError(f"segment {segment_id}", self.job_timeout, status)
            time.sleep(self.poll_seconds)


def _label(segment: dict) -> str:
    """A segment as the dropdown shows it: name, whether it may be changed, id."""
    made_in_ui = segment.get("createdViaApi") is False
    return (f"{segment['name']}{' (made in Pendo: read-only)' if made_in_ui else ''} · "
            f"{segment['id']}")
