"""How one row of the layer list is drawn: the layer's colour, index and description on the left, its output
shape and parameter count in aligned columns on the right, and a mark when a check flags it."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.theme import ERROR, MUTED, WARNING

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SHAPE_WIDTH = 86
PARAMS_WIDTH = 92


@dataclass(frozen=True)
class RowInfo:
    index: int
    title: str            # "dense 16 · relu"
    shape: str            # "(None, 16)"
    params: str           # "272 params"
    color: str
    problem: str = ""     # "" | "warning" | "error"

    def text(self) -> str:
        """The plain row, as read aloud or asserted in tests: '2  dense 16 · relu    (None, 16)   272 params'."""
        return f"{self.index}  {self.title}    {self.shape}   {self.params}"


class LayerDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(max(option.rect.width(), 300), max(30, option.fontMetrics.height() + 14))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        info: RowInfo | None = index.data(ROW_ROLE)
        if info is None:
            super().paint(painter, option, index)
            return
        painter.save()
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, QColor("#e3f0fa") if selected else QColor("white"))
        painter.fillRect(QRect(rect.left(), rect.top() + 4, 4, rect.height() - 8), QColor(info.color))
        painter.setPen(QColor("#f0f2f4"))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())

        font = QFont(option.font)
        x = rect.left() + 12
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        index_rect = QRect(x, rect.top(), 18, rect.height())
        painter.drawText(index_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, str(info.index))
        x += 22

        right = rect.right() - 8
        params_rect = QRect(right - PARAMS_WIDTH, rect.top(), PARAMS_WIDTH, rect.height())
        shape_rect = QRect(params_rect.left() - SHAPE_WIDTH, rect.top(), SHAPE_WIDTH, rect.height())
        mono = QFont("DejaVu Sans Mono")
        mono.setPointSizeF(max(font.pointSizeF() - 0.5, 7.0))
        painter.setFont(mono)
        painter.setPen(QColor("#3b4149"))
        painter.drawText(shape_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, info.shape)
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        painter.drawText(params_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, info.params)

        title_width = shape_rect.left() - x - 6
        if info.problem:
            title_width -= 14
        title_font = QFont(font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(QColor("#1f2328"))
        title = QFontMetrics(title_font).elidedText(info.title, Qt.TextElideMode.ElideRight, title_width)
        painter.drawText(QRect(x, rect.top(), title_width, rect.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
        if info.problem:
            used = QFontMetrics(title_font).horizontalAdvance(title)
            dot = QColor(ERROR if info.problem == "error" else WARNING)
            painter.setBrush(dot)
            painter.setPen(Qt.PenStyle.NoPen)
            cy = rect.center().y()
            painter.drawEllipse(x + used + 6, cy - 4, 8, 8)
        painter.restore()
