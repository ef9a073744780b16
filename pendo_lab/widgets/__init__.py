"""ipywidgets forms over a client: segments, metadata, guide resets, recipes.

Every form shows errors inside itself (no tracebacks), disables its buttons while an action
runs, and keeps the last result in ``.result`` for the next cell. Importing this package
imports ipywidgets; ``import pendo_lab`` does not.

Example:
    >>> from pendo_lab import Pendo
    >>> from pendo_lab.widgets import SegmentManager
    >>> manager = SegmentManager(Pendo.sandbox())
    >>> manager.action.value
    'Create'
"""

from __future__ import annotations

from .guides import GuideResetPanel
from .metadata import MetadataEditor
from .recipes import RecipeExplorer
from .segments import SegmentManager

__all__ = ["GuideResetPanel", "MetadataEditor", "RecipeExplorer", "SegmentManager"]
