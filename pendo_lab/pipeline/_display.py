"""How a pipeline shows itself: a compact text listing and an HTML listing for Jupyter.

Example:
    >>> from pendo_lab.pipeline import Pipeline
    >>> print(text(Pipeline.source("pages").limit(5)))
    Pipeline, 2 stages:
      [0] source     pages
      [1] limit      5
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

from .._exceptions import PipelineError
from ._validate import STARTERS

if TYPE_CHECKING:
    from ._pipeline import Pipeline

_WIDTH = 100
_STARTER_STYLE = "background:#e8f1fb;font-weight:600"


def text(pipeline: Pipeline) -> str:
    """One line per stage: its position, operator and argument (long arguments cut)."""
    lines = [_title(pipeline) + (":" if pipeline.stages else "")]
    for index, stage in enumerate(pipeline.stages):
        operator, detail = _summary(stage)
        lines.append(f"  [{index}] {operator:<10} {detail}")
    return "\n".join(lines)


def html(pipeline: Pipeline) -> str:
    """An ordered list of stages (the first stage highlighted), the validation result and the
    request JSON in a collapsible ``<details>``."""
    items = []
    for stage in pipeline.stages:
        operator, detail = _summary(stage)
        style = f' style="{_STARTER_STYLE}"' if operator in STARTERS else ""
        items.append(f"<li{style}><code>{escape(operator)}</code> "
                     f"<code>{escape(detail)}</code></li>")
    try:
        pipeline.validate()
        status = '<div style="color:#1b7f3b">valid</div>'
    except PipelineError as error:
        status = f'<pre style="color:#b00020">{escape(str(error))}</pre>'
    request = escape(pipeline.to_json(indent=2, validate=False))
    return (f'<div class="pendo-lab-pipeline"><b>{escape(_title(pipeline))}</b>'
            f'<ol start="0">{"".join(items)}</ol>{status}'
            f"<details><summary>request JSON</summary><pre>{request}</pre></details></div>")


def _title(pipeline: Pipeline) -> str:
    title = "Pipeline"
    if pipeline.name:
        title += f" {pipeline.name!r}"
    if pipeline.request_id:
        title += f" (requestId {pipeline.request_id!r})"
    count = len(pipeline.stages)
    return f"{title}, {count} stage{'' if count == 1 else 's'}"


def _summary(stage: Any) -> tuple[str, str]:
    """(operator, argument as compact JSON); a source shows its name, parameters and range."""
    if not isinstance(stage, dict) or len(stage) != 1:
        return "?", _cut(_compact(stage))
    ((operator, argument),) = stage.items()
    if operator == "source" and isinstance(argument, dict):
        parts = []
        for key, value in argument.items():
            parts.append(key if value is None else f"{key} {_compact(value)}")
        return operator, _cut(" ".join(parts))
    return operator, _cut(_compact(argument))


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


def _cut(detail: str) -> str:
    return detail if len(detail) <= _WIDTH else detail[: _WIDTH - 3] + "..."
