"""Run ``check`` over files: read each (an unreadable one becomes a TE000 diagnostic and
the rest are still checked), resolve includes, run the selected rules, filter."""

from __future__ import annotations

import os

from torchenv._record import Record
from torchenv.check.diagnostics import Diagnostic, filter_diagnostics, make
from torchenv.check.discover import Discovery, kind_for
from torchenv.check.model import Document, Position
from torchenv.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Optional

    from torchenv.check.knowledge import CatalogLike

__all__ = ["Report", "check_paths", "read_document"]

_MAX_INCLUDE_DEPTH = 16


class Report(Record):
    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def exit_code(self) -> int:
        if any(d.code == "TE000" for d in self.diagnostics):
            return EXIT_USAGE
        return EXIT_PROBLEMS if self.diagnostics else EXIT_OK


def _reader(kind: str) -> Callable[[str, str], Document]:
    if kind == "requirements":
        from torchenv.check.readers.requirements import read_requirements

        return read_requirements
    if kind == "pyproject":
        from torchenv.check.readers.pyproject import read_pyproject

        return read_pyproject
    if kind == "conda":
        from torchenv.check.readers.conda import read_conda

        return read_conda
    if kind == "pixi":
        from torchenv.check.readers.pixi import read_pixi

        return read_pixi
    if kind == "pylock":
        from torchenv.check.readers.pylock import read_pylock

        return read_pylock
    from torchenv.check.readers.dockerfile import read_dockerfile

    return read_dockerfile


def read_document(path: str, kind: Optional[str] = None) -> Document:
    """Read and parse one file; InputError (with the line when known) if it cannot be."""
    kind = kind or kind_for(path)
    if kind is None:
        raise InputError(path, "not a file kind torchenv check reads", None)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(path, f"cannot read: {reason}", None) from None
    try:
        return _reader(kind)(text, path)
    except (TypeError, AttributeError, KeyError, IndexError) as error:
        # A value of an unexpected type deep in a valid file (``include_packages = 5``):
        # the reader's own checks name the common cases; this keeps the rest one line.
        raise InputError(path, f"unexpected value in this {kind} file ({error})") from None


def _unreadable(error: InputError, fallback: str) -> Diagnostic:
    return make(
        error.path or fallback,
        Position(error.line or 1, 1),
        "TE000",
        error.detail,
        "fix the syntax so pip/uv/conda can read the file",
    )


def _includes(
    document: Document, problems: list[Diagnostic], cache: dict[str, Document]
) -> tuple[Document, ...]:
    """The documents ``-r``/``-c`` pull in, transitively, relative to each includer."""
    found: list[Document] = []
    seen = {os.path.abspath(document.path)}
    queue = [(document, 0)]
    while queue:
        current, depth = queue.pop(0)
        for include in current.includes:
            target = include.target
            if "://" in target or "$" in target:
                continue  # a remote or templated include: nothing to read offline
            path = os.path.normpath(os.path.join(os.path.dirname(current.path), target))
            key = os.path.abspath(path)
            if key in seen or depth >= _MAX_INCLUDE_DEPTH:
                continue
            seen.add(key)
            if key not in cache:
                try:
                    cache[key] = read_document(path, "requirements")
                except InputError as error:
                    if current is document:
                        problems.append(
                            make(
                                current.path,
                                include.position,
                                "TE000",
                                f"included file {target}: {error.detail}",
                                "fix the -r/-c path (it is relative to this file)",
                            )
                        )
                    continue
            found.append(cache[key])
            queue.append((cache[key], depth + 1))
    return tuple(found)


def _includers(
    documents: dict[str, Document], cache: dict[str, Document]
) -> dict[str, tuple[Document, ...]]:
    """Requirement files that ``-r`` each checked file: their indexes apply to it too.

    ``requirements/base.txt`` often carries ``torch==2.7.0+cu126`` while ``gpu.txt``
    adds the index and ``-r base.txt``; pre-commit may pass base.txt alone, so sibling
    requirement files are read to find who includes it.
    """
    candidates: dict[str, Document] = {}
    directories = {
        os.path.dirname(os.path.abspath(p))
        for p, d in documents.items()
        if d.kind == "requirements"
    }
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            if kind_for(path) != "requirements" or not os.path.isfile(path):
                continue
            if path not in cache:
                try:
                    cache[path] = read_document(path, "requirements")
                except InputError:
                    continue
            candidates[path] = cache[path]
    found: dict[str, list[Document]] = {}
    for path, document in candidates.items():
        for include in document.includes:
            target = os.path.abspath(os.path.join(os.path.dirname(path), include.target))
            if target != path:
                found.setdefault(target, []).append(document)
    return {target: tuple(docs) for target, docs in found.items()}


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    from fnmatch import fnmatch

    normalized = path.replace(os.sep, "/").removeprefix("./")
    return any(fnmatch(normalized, pattern) for pattern in patterns)


def check_paths(
    paths: Sequence[str],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    root: str = ".",
    catalog: Optional[CatalogLike] = None,
    exclude: Sequence[str] = (),
) -> Report:
    """Check ``paths`` (files or directories; none = the repository at ``root``).

    ``exclude`` globs drop discovered files (paths named explicitly are always checked).
    """
    # Discovery first: git lists the files while the rules are imported.
    pending = [Discovery(path) if os.path.isdir(path) else path for path in paths or [root]]
    from torchenv.check.rules import CHECKS

    files: list[str] = []
    for item in pending:
        if isinstance(item, Discovery):
            files.extend(f for f in item.files() if not _excluded(f, exclude))
        else:
            files.append(item)
    codes = frozenset(
        code
        for code in (*CHECKS, "TE014")
        if (not select or any(code.startswith(p.upper()) for p in select))
        and not any(code.startswith(p.upper()) for p in ignore if p)
    )
    problems: list[Diagnostic] = []
    documents: dict[str, Document] = {}
    for path in files:
        try:
            documents[path] = read_document(path)
        except InputError as error:
            problems.append(_unreadable(error, path))
    cache: dict[str, Document] = {os.path.abspath(p): d for p, d in documents.items()}
    if documents and codes:
        problems.extend(_judge(documents, codes, cache, catalog, problems))
    return Report(
        tuple(files), tuple(filter_diagnostics(problems, documents, select=select, ignore=ignore))
    )


def _judge(
    documents: dict[str, Document],
    codes: frozenset[str],
    cache: dict[str, Document],
    catalog: Optional[CatalogLike],
    problems: list[Diagnostic],
) -> list[Diagnostic]:
    from torchenv.check.context import Context
    from torchenv.check.rules import run_rules

    if catalog is None:
        from torchenv.check.knowledge import LazyCatalog

        catalog = LazyCatalog()
    found: list[Diagnostic] = []
    includers = _includers(documents, cache)
    for document in documents.values():
        included = _includes(document, problems, cache)
        included += includers.get(os.path.abspath(document.path), ())
        found.extend(run_rules(Context(document, catalog, included), codes))
        if "TE014" in codes and document.kind == "pylock":
            from torchenv.check.rules.lock import stale_lock

            found.extend(stale_lock(document, cache))
    return found
