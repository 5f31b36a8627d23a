"""The live timeline widget and its static snapshot.

Importing this package imports anywidget (and so ipywidgets); ``import qmodes`` does not.
An observer: it may import the advisor and every engine layer below it (to read the timeline
and figures); the engine never imports it.

Example:
    >>> from qmodes.widget import TimelineWidget
    >>> widget = TimelineWidget(context_ids=[])
    >>> widget.summary["contexts"]
    []
"""

from __future__ import annotations

from qmodes.widget.timeline import TimelineWidget

__all__ = ["TimelineWidget"]
