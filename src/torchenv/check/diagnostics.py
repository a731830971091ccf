"""Diagnostics: one finding at ``path:line:col`` with a code, a message and a fix hint;
filtering by ``--select``/``--ignore`` prefixes and inline ignore comments; rendering as
ruff-style text or JSON records.
"""

from __future__ import annotations

from torchenv._record import Record
from torchenv.check.model import ALL_CODES, Document, Position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Diagnostic", "filter_diagnostics", "format_text", "make", "to_json"]


class Diagnostic(Record):
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str
    severity: str = "error"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


def make(
    path: str, position: Position, code: str, message: str, hint: str, severity: str = "error"
) -> Diagnostic:
    return Diagnostic(path, position.line, position.col, code, message, hint, severity)


def _matches(code: str, prefixes: Sequence[str]) -> bool:
    return any(code.startswith(prefix.strip().upper()) for prefix in prefixes if prefix.strip())


def filter_diagnostics(
    diagnostics: Iterable[Diagnostic],
    documents: dict[str, Document],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Diagnostic]:
    """Apply ``--select``/``--ignore`` prefixes and ``# torchenv: ignore[...]`` comments;
    drop duplicates (one fact found by two routes) and sort by file position."""
    kept: dict[tuple[str, int, int, str], Diagnostic] = {}
    for diagnostic in diagnostics:
        if select and not _matches(diagnostic.code, select):
            continue
        if ignore and _matches(diagnostic.code, ignore):
            continue
        document = documents.get(diagnostic.path)
        if document is not None:
            waived = document.ignores.get(diagnostic.line, frozenset())
            if ALL_CODES in waived or diagnostic.code in waived:
                continue
        key = (diagnostic.path, diagnostic.line, diagnostic.col, diagnostic.code)
        kept.setdefault(key, diagnostic)
    return sorted(kept.values(), key=lambda d: (d.path, d.line, d.col, d.code))


def format_text(diagnostic: Diagnostic) -> str:
    """``path:line:col: CODE message (fix: hint)``: one line, as editors and ruff expect."""
    hint = f" (fix: {diagnostic.hint})" if diagnostic.hint else ""
    where = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.col}"
    return f"{where}: {diagnostic.code} {diagnostic.message}{hint}"


def to_json(diagnostics: Iterable[Diagnostic]) -> list[dict[str, object]]:
    return [diagnostic.to_dict() for diagnostic in diagnostics]
