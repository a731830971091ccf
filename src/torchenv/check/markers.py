"""Which platforms a PEP 508 marker lets a requirement reach.

The rules ask one question of a marker: "can this line be installed on macOS / on
Windows / on aarch64?". The marker is evaluated once per torchenv platform with
three-valued logic: variables that do not describe the platform (``python_version``,
``extra``, ...) are *unknown*, so ``sys_platform == 'darwin' and python_version < '3.12'``
still reaches macOS. A small evaluator, because ``packaging.markers`` drags in
``packaging.tags`` and a full tokenizer that ``check`` cannot afford on every commit.
"""

from __future__ import annotations

import re

__all__ = ["PLATFORM_ENVIRONMENTS", "marker_platforms"]

PLATFORM_ENVIRONMENTS: dict[str, dict[str, str]] = {
    "linux-x86_64": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
    "linux-aarch64": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "aarch64",
    },
    "macos-arm64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "arm64",
    },
    "macos-x86_64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
    "windows-x86_64": {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "platform_machine": "AMD64",
    },
    "windows-arm64": {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "platform_machine": "ARM64",
    },
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)
      | (?P<bool>and\b|or\b)
      | (?P<paren>[()])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

    Truth = Optional[bool]
    _Node = Union[tuple[str, "_Node", "_Node"], tuple[str, str, str, str]]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"invalid marker near {text[pos:]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        tokens.append((kind, " ".join(value.split()) if kind == "op" else value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token

    def expression(self) -> _Node:
        node = self.conjunction()
        while self.peek() == ("bool", "or"):
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> _Node:
        node = self.atom()
        while self.peek() == ("bool", "and"):
            self.take()
            node = ("and", node, self.atom())
        return node

    def atom(self) -> _Node:
        if self.peek() == ("paren", "("):
            self.take()
            node = self.expression()
            if self.take() != ("paren", ")"):
                raise ValueError("unbalanced parentheses in marker")
            return node
        left = self.take()
        op = self.take()
        right = self.take()
        if left[0] not in ("name", "string") or op[0] != "op" or right[0] not in ("name", "string"):
            raise ValueError("expected '<variable> <op> <value>' in marker")
        return ("cmp", left[1], op[1], right[1])


def _value(token: str, environment: dict[str, str]) -> Optional[str]:
    if token[0] in "'\"":
        return token[1:-1]
    return environment.get(token)


def _evaluate(node: _Node, environment: dict[str, str]) -> Truth:
    if node[0] in ("and", "or"):
        left = _evaluate(node[1], environment)  # type: ignore[arg-type]
        right = _evaluate(node[2], environment)  # type: ignore[arg-type]
        if node[0] == "and":
            if left is False or right is False:
                return False
            return None if left is None or right is None else True
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    _, lhs, op, rhs = node  # type: ignore[misc]
    left_value = _value(lhs, environment)
    right_value = _value(rhs, environment)
    if left_value is None or right_value is None:
        return None
    if op == "==" or op == "===":
        return left_value == right_value
    if op == "!=":
        return left_value != right_value
    if op == "in":
        return left_value in right_value
    if op == "not in":
        return left_value not in right_value
    # Ordering comparisons on platform strings are not meaningful: leave them unknown.
    return None


def marker_platforms(marker: str) -> frozenset[str]:
    """Platforms on which ``marker`` may be true; ValueError if it is not a marker."""
    parser = _Parser(_tokenize(marker))
    tree = parser.expression()
    if parser.peek()[0] != "end":
        raise ValueError(f"unexpected {parser.peek()[1]!r} in marker")
    return frozenset(
        platform
        for platform, environment in PLATFORM_ENVIRONMENTS.items()
        if _evaluate(tree, environment) is not False
    )
