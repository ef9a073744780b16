"""What every widget shares: the form base, table input, visitor-id parsing, the outcome chart.

A :class:`Form` owns a message line (errors appear there, never as tracebacks), buttons that
are disabled while an action runs, a confirmation row for destructive actions, a chart area
and ``.result``, the value of the last action that finished. Forms that write check the key
once through ``client.verify()``: with a read-only key their write buttons stay disabled and
a notice says why.

Example:
    >>> from pendo_lab import Pendo
    >>> form = Form(Pendo.sandbox())
    >>> form.run(lambda: Done("all good", {"n": 1}))
    >>> form.message.value, form.result
    ('all good', {'n': 1})
    >>> form.run(lambda: 1 / 0)
    >>> form.message.value, form.result
    ('ZeroDivisionError: division by zero', {'n': 1})
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import ipywidgets as widgets
import polars as pl

from .._exceptions import ValidationError

#: Message colours by kind (``info`` keeps the theme's colour).
COLOURS = {"info": None, "success": "#1b5e20", "error": "#b00020"}
#: How many ids a preview or a failure list shows before saying "and N more".
SHOWN_IDS = 5


class Done(NamedTuple):
    """A finished action: its message, the value that becomes ``.result``, and a chart.

    Example:
        >>> Done("deleted segment 'Pilot'", {"deleted": "s1"}).chart is None
        True
    """

    message: str
    result: Any
    chart: Any = None


class Form(widgets.VBox):
    """The base of every widget: messages, busy buttons, confirmation, read-only check.

    ``writes=True`` checks the key with ``client.verify()``; ``read_only_reason`` is then
    ``None`` (writes allowed) or the reason write buttons are disabled.

    Example:
        >>> from pendo_lab.sandbox import Sandbox
        >>> form = Form(Sandbox().client(read_only=True), writes=True)
        >>> form.read_only_reason
        'this integration key is read-only (checked with verify): use a key with write access'
    """

    def __init__(self, client: Any, *, writes: bool = False):
        super().__init__()
        self.client = client
        self.read_only_reason = _read_only_reason(client) if writes else None
        self.result: Any = None
        self.error: BaseException | None = None
        self.chart: Any = None
        self.message = widgets.Label()
        self.notice = widgets.Label()
        self.chart_area = widgets.Output()
        self.question = widgets.Label()
        self._buttons: list[tuple[widgets.Button, bool]] = []
        self._pending: Callable[[], Any] | None = None
        self.confirm_button = self.button("Confirm", self._confirm, style="danger")
        self.cancel_button = self.button("Cancel", self._cancel, writes=False)
        self.confirmation = widgets.HBox([self.question, self.confirm_button,
                                          self.cancel_button])
        show(self.confirmation, False)
        if self.read_only_reason:
            self.notice.value = f"Write buttons are disabled: {self.read_only_reason}."
            self.notice.style.text_color = COLOURS["error"]

    def button(self, description: str, action: Callable[[], Any], *, writes: bool = True,
               style: str = "") -> widgets.Button:
        """A button running ``action`` through :meth:`run`; write buttons obey read-only.

        Example:
            >>> from pendo_lab import Pendo
            >>> form = Form(Pendo.sandbox())
            >>> form.button("Go", lambda: Done("went", 1)).click()
            >>> form.message.value
            'went'
        """
        button = widgets.Button(description=description, button_style=style)

        def clicked(_):
            if writes and self.read_only_reason:
                self.show(f"not done: {self.read_only_reason}", "error")
            else:
                self.run(action)

        button.on_click(clicked)
        self._buttons.append((button, writes))
        self._set_busy(False)
        return button

    def run(self, action: Callable[[], Any]) -> None:
        """Run ``action`` with every button disabled and show how it went.

        ``action`` returns a :class:`Done` (its result becomes ``.result`` and its chart is
        drawn), a text (shown as information) or None. An exception becomes an error message
        in the form and ``.error``.

        Example:
            >>> form = Form(client)
            >>> form.run(lambda: "nothing to do")
            >>> form.message.value, form.error
            ('nothing to do', None)
        """
        self._set_busy(True)
        self.show("working…")
        try:
            outcome = action()
        except Exception as exc:  # noqa: BLE001 - every failure is shown in the form
            self.error = exc
            self.show(f"{type(exc).__name__}: {exc}", "error")
            return
        finally:
            self._set_busy(False)
        self.error = None
        if isinstance(outcome, Done):
            self.result = outcome.result
            self.show(outcome.message, "success")
            self._draw(outcome.chart)
        else:
            self.show(outcome or "")

    def ask(self, question: str, action: Callable[[], Any]) -> None:
        """Show ``question`` with Confirm and Cancel; Confirm runs ``action``.

        Example:
            >>> from pendo_lab import Pendo
            >>> form = Form(Pendo.sandbox())
            >>> form.ask("Delete everything?", lambda: Done("deleted", None))
            >>> form.confirm_button.click()
            >>> form.message.value
            'deleted'
        """
        self._pending = action
        self.question.value = question
        show(self.confirmation, True)

    def show(self, text: str, kind: str = "info") -> None:
        """Put ``text`` on the message line, coloured by ``kind`` (info, success, error).

        Example:
            >>> form = Form(client)
            >>> form.show("upload a CSV file first", "error")
            >>> form.message.value, form.message.style.text_color
            ('upload a CSV file first', '#b00020')
        """
        self.message.value = text
        self.message.style.text_color = COLOURS[kind]

    def _confirm(self) -> Any:
        action, self._pending = self._pending, None
        show(self.confirmation, False)
        if action is None:
            return "nothing to confirm"
        return action()

    def _cancel(self) -> str:
        self._pending = None
        show(self.confirmation, False)
        return f"cancelled: {self.question.value}"

    def _set_busy(self, busy: bool) -> None:
        blocked = self.read_only_reason
        for button, writes in self._buttons:
            button.disabled = busy or bool(writes and blocked)
            button.tooltip = blocked if writes and blocked else None

    def _draw(self, chart: Any) -> None:
        self.chart = chart
        self.chart_area.outputs = ()
        if chart is not None:
            self.chart_area.append_display_data(chart)


def _read_only_reason(client: Any) -> str | None:
    """Why this client may not write (None when it may), as ``client.verify()`` says."""
    try:
        status = client.verify()
    except Exception as exc:  # noqa: BLE001 - shown in the form's notice
        return f"the key could not be checked with verify ({type(exc).__name__}: {exc})"
    if not status.get("valid"):
        return "this integration key is not valid (checked with verify)"
    if not status.get("write"):
        return ("this integration key is read-only (checked with verify): use a key with "
                "write access")
    return None


def show(widget: widgets.Widget, visible: bool) -> None:
    """Show or hide a widget (it keeps its place in the layout)."""
    widget.layout.display = None if visible else "none"


class TableInput(widgets.HBox):
    """A table for a form: an uploaded CSV file (every column read as text) or a DataFrame.

    ``frame`` is the table (Polars) or None; ``on_change()`` is called after each new table.

    Example:
        >>> from pendo_lab import Pendo
        >>> table = TableInput(Form(Pendo.sandbox()), lambda: None)
        >>> table.use(pl.DataFrame({"visitorId": ["v1", "v2"]}))
        'DataFrame: 2 rows, columns visitorId'
    """

    def __init__(self, form: Form, on_change: Callable[[], None]):
        self.upload = widgets.FileUpload(accept=".csv", multiple=False, description="CSV file")
        self.info = widgets.Label("no table: upload a CSV file or pass a DataFrame to use_frame()")
        super().__init__([self.upload, self.info])
        self.frame: pl.DataFrame | None = None
        self._on_change = on_change
        self.upload.observe(lambda change: form.run(lambda: self._read(change["new"])), "value")

    def use(self, frame: Any, name: str = "DataFrame") -> str:
        """Make ``frame`` (Polars or pandas DataFrame, or a Series) the table; a summary."""
        self.frame = as_polars(frame)
        self.info.value = (f"{name}: {self.frame.height} rows, columns "
                           f"{', '.join(self.frame.columns)}")
        self._on_change()
        return self.info.value

    def _read(self, files: tuple) -> str | None:
        if not files:
            return None
        file = files[-1]
        name = file["name"]
        try:
            text = bytes(file["content"]).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(f"{name} is not UTF-8 text: save it as CSV UTF-8") from None
        try:
            frame = pl.read_csv(io.StringIO(text), infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise ValidationError(f"{name} could not be read as CSV: {exc}") from None
        if frame.is_empty():
            raise ValidationError(f"{name} has no rows under its header line")
        return self.use(frame, name)


def as_polars(frame: Any) -> pl.DataFrame:
    """A Polars DataFrame from a Polars or pandas DataFrame or a Polars Series.

    Example:
        >>> as_polars(pl.Series("visitorId", ["v1"])).columns
        ['visitorId']
    """
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.Series):
        return frame.to_frame()
    if hasattr(frame, "columns") and hasattr(frame, "to_dict"):
        return pl.from_pandas(frame)
    raise ValidationError(f"a table must be a Polars or pandas DataFrame, not "
                          f"{type(frame).__name__}")


def parse_ids(text: str) -> list[str]:
    """Ids pasted as text: one per line or separated by commas, semicolons or tabs.

    Blank entries and repeats are dropped; spaces inside an id are kept.

    Example:
        >>> parse_ids("v1, v2\\nv2;\\n\\tv 3")
        ['v1', 'v2', 'v 3']
    """
    return unique(part.strip() for part in re.split(r"[,;\t\r\n]", text))


def required_text(box: widgets.Text, what: str) -> str:
    """The text in ``box`` without surrounding spaces; blank raises "enter ``what``".

    Example:
        >>> required_text(widgets.Text(" s1 "), "a segment name")
        's1'
        >>> required_text(widgets.Text(" "), "a segment name")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: enter a segment name
    """
    text = box.value.strip()
    if not text:
        raise ValidationError(f"enter {what}")
    return text


def column_ids(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-blank ids in a column, as text, in order of first appearance.

    Example:
        >>> column_ids(pl.DataFrame({"id": [7, None, 7, 8]}), "id")
        ['7', '8']
    """
    if column not in frame.columns:
        raise ValidationError(f"the table has no column {column!r}: pick one of "
                              f"{', '.join(frame.columns)}")
    return unique(str(value).strip() for value in frame[column].drop_nulls().to_list())


def unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, first appearance kept."""
    return list(dict.fromkeys(value for value in values if value))


def sample(ids: list[str], limit: int = SHOWN_IDS) -> str:
    """The first ids, quoted, and how many more there are.

    Example:
        >>> sample(["a", "b", "c"], limit=2)
        "'a', 'b' and 1 more"
    """
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an s unless it is one.

    Example:
        >>> plural(1, "visitor"), plural(3, "visitor")
        ('1 visitor', '3 visitors')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def counts_chart(counts: dict[str, int], title: str) -> Any:
    """A horizontal Altair bar chart of an outcome's counts, in the given order.

    Example:
        >>> chart = counts_chart({"updated": 3, "failed": 1}, "metadata")
        >>> chart.mark
        'bar'
    """
    import altair as alt

    data = pl.DataFrame({"outcome": list(counts), "count": list(counts.values())},
                        schema={"outcome": pl.String, "count": pl.Int64})
    return alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("count:Q", title=None, axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("outcome:N", title=None, sort=list(counts)),
        tooltip=["outcome", "count"],
    )
