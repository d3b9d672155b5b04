"""The Network dock: the layer list with its tools above; below, in a scrolling pane, the problems core finds
before training and the property editor of the selected layer."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

from core.checks import Problem, check_model
from core.project import Project

from .layer_editor import LayerEditor
from .layer_list import NetworkBuilder
from .problems_view import ProblemsView

LAYER_WHERE = re.compile(r"model\.layers\[(\d+)\]")


class NetworkPanel(QSplitter):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("networkSplitter")
        self.builder = NetworkBuilder()
        self.problems = ProblemsView()
        self.editor = LayerEditor()
        self.layers: tuple[dict, ...] = ()

        top = QWidget()
        top.setObjectName("panel")
        column = QVBoxLayout(top)
        column.setContentsMargins(10, 8, 10, 8)
        column.addWidget(self.builder, 1)
        scroll = QScrollArea()
        scroll.setObjectName("panelScroll")
        scroll.setWidgetResizable(True)
        host = QWidget()
        host_layout = QVBoxLayout(host)
        host_layout.setContentsMargins(10, 8, 10, 10)
        host_layout.setSpacing(10)
        host_layout.addWidget(self.problems)      # in the scrolling pane: any number of problems stays readable
        host_layout.addWidget(self.editor, 1)
        scroll.setWidget(host)
        self.addWidget(top)
        self.addWidget(scroll)
        self.setChildrenCollapsible(False)
        self.setSizes([330, 570])
        self.builder.currentChanged.connect(self._selected)

    def show_network(self, project: Project, network, prepared, data_error: str | None = None,
                     build_error: str | None = None, select: int | None = None) -> list[Problem]:
        """Rows, shapes, parameter counts and problems for `project`'s layers; returns core's problems.

        `network` is the session's network when it was built from these layers (else None: shapes show "?").
        A build error is shown only when core's checks found no error: those already say what is wrong, with a fix.
        """
        self.layers = project.layers
        rows = network.summary() if network is not None and len(network.layers) == len(project.layers) else None
        problems = check_model(list(project.layers), project.training.loss,
                               None if prepared is None else prepared.task,
                               None if prepared is None else prepared.n_outputs)
        errors = [data_error] if data_error else []
        if build_error and not any(p.level == "error" for p in problems):
            errors.append(build_error)
        self.problems.show_problems(problems, errors)
        by_layer: dict[int, str] = {}
        for problem in problems:
            match = LAYER_WHERE.match(problem.where)
            if match and by_layer.get(int(match.group(1))) != "error":
                by_layer[int(match.group(1))] = problem.level
        width = None if prepared is None else int(prepared.input_width)
        names = () if prepared is None else tuple(prepared.feature_names)
        self.builder.show_layers(list(project.layers), rows, width, by_layer, select, names)
        return problems

    def set_editable(self, editable: bool) -> None:
        for widget in (self.builder, self.editor, self.problems):
            widget.setEnabled(editable)

    def _selected(self, index: int) -> None:
        self.editor.show_layer(index, self.layers[index] if 0 <= index < len(self.layers) else None)
