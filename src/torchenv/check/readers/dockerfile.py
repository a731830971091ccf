"""Dockerfiles: ``FROM`` images (``pytorch/pytorch:<torch>-cuda<X.Y>-…``, ``nvidia/cuda``,
``python:<X.Y>``) with ``--platform``, ``ARG`` defaults, ``ENV PIP_*INDEX_URL`` and the
``pip install`` / ``python -m pip install`` / ``uv pip install`` commands inside ``RUN``.

Each install command is its own scope: its requirements see only its own index flags
(plus stage-wide ``ENV`` ones). A ``pytorch/pytorch`` image becomes a ``torch``
requirement with ``ecosystem="image"`` (torch version and CUDA variant from the tag), so
the release rules judge images like pins.
"""

from __future__ import annotations

import re
import shlex

from torchenv.check.model import (
    BaseImage,
    Document,
    Include,
    IndexRef,
    Position,
    PythonPin,
    Requirement,
)
from torchenv.check.pep508 import parse_requirement, wheel_name_version
from torchenv.check.textlines import (
    LogicalLine,
    inline_ignores,
    join_continuations,
    spread_ignores,
)
from torchenv.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["DOCKER_PLATFORMS", "read_dockerfile"]

DOCKER_PLATFORMS = {
    "linux/amd64": "linux-x86_64",
    "linux/x86_64": "linux-x86_64",
    "linux/arm64": "linux-aarch64",
    "linux/arm64/v8": "linux-aarch64",
    "linux/aarch64": "linux-aarch64",
}
_PYTORCH_TAG = re.compile(
    r"^(\d+\.\d+\.\d+)-cuda(\d+)\.(\d+)(?:\.\d+)?-cudnn\d+-(?:runtime|devel)$"
)
_PYTHON_TAG = re.compile(r"^(\d+\.\d+)(?:\.\d+)?(?:-|$)")
_VALUE_OPTIONS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--default-index": "index-url",
    "--extra-index-url": "extra-index-url",
    "--index": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
}
# Options of pip / uv pip install that take a value we do not judge.
_SKIP_VALUE = {
    "-t", "--target", "--prefix", "--root", "--platform", "--python-version",
    "--implementation", "--abi", "--trusted-host", "--cache-dir", "--src",
    "--upgrade-strategy", "--progress-bar", "--python", "-p", "--config-settings", "-C",
    "--timeout", "--retries", "--proxy", "--cert", "--client-cert", "--log", "--report",
    "--exists-action", "--only-binary", "--no-binary", "--python-platform",
    "--torch-backend", "--index-strategy", "--keyring-provider", "-e", "--editable",
    "--extra", "--group", "--build-constraint", "--override", "--prerelease",
}  # fmt: skip
_ENV_INDEX = {
    "PIP_INDEX_URL": "index-url",
    "UV_INDEX_URL": "index-url",
    "UV_DEFAULT_INDEX": "index-url",
    "PIP_EXTRA_INDEX_URL": "extra-index-url",
    "UV_EXTRA_INDEX_URL": "extra-index-url",
    "UV_INDEX": "extra-index-url",
}
_WRAPPERS = {"sudo", "command", "exec", "time", "nice", "env", "-E", "--"}
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def _substitute(text: str, args: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in args:
            return args[name]
        if match.group(2) is not None:
            return match.group(2)
        return match.group(0)

    return _VAR.sub(replace, text)


def _install_commands(words: list[str]) -> list[list[str]]:
    """The argument lists after ``install`` of every pip-like command in a shell line."""
    commands: list[list[str]] = []
    current: list[str] = []
    for word in [*words, "&&"]:
        if word in ("&&", "||", ";", "|"):
            # The command word comes first, after wrappers and VAR=value assignments
            # ("echo pip install x" installs nothing).
            start = 0
            while start < len(current) and (
                current[start] in _WRAPPERS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", current[start])
            ):
                start += 1
            head = current[start].rsplit("/", 1)[-1] if start < len(current) else ""
            rest = current[start + 1 :]
            if re.match(r"^pip(\d+(\.\d+)?)?$", head) and rest[:1] == ["install"]:
                commands.append(rest[1:])
            elif re.match(r"^python[\d.]*$", head) and rest[:3] == ["-m", "pip", "install"]:
                commands.append(rest[3:])
            elif head == "uv" and rest[:2] == ["pip", "install"]:
                commands.append(rest[2:])
            current = []
        else:
            current.append(word)
    return commands


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.args: dict[str, str] = {}
        self.images: list[BaseImage] = []
        self.requirements: list[Requirement] = []
        self.indexes: list[IndexRef] = []
        self.includes: list[Include] = []
        self.pythons: list[PythonPin] = []
        self.stage = -1
        self.platform: Optional[str] = None
        self.scope = 0

    def locate(self, logical: LogicalLine, word: str, after: int) -> tuple[Position, int]:
        found = logical.text.find(word, after)
        if found < 0:
            return logical.position(after), after
        return logical.position(found), found + len(word)

    def from_line(self, logical: LogicalLine, rest: str, offset: int) -> None:
        words = _substitute(rest, self.args).split()
        platform_text: Optional[str] = None
        while words and words[0].startswith("--"):
            option = words.pop(0)
            if option.startswith("--platform="):
                platform_text = option.split("=", 1)[1]
        if not words:
            raise InputError(self.path, "FROM without an image", logical.line)
        reference = words[0].split("@", 1)[0]
        image, _, tag = (
            reference.rpartition(":")
            if ":" in reference.split("/")[-1]
            else (
                reference,
                "",
                "latest",
            )
        )
        self.stage += 1
        self.platform = DOCKER_PLATFORMS.get(platform_text or "")
        platforms = frozenset({self.platform}) if self.platform else None
        position, _ = self.locate(logical, words[0].split(":")[0], offset)
        base = BaseImage(image, tag, position, self.platform, self.stage)
        self.images.append(base)
        name = image.rsplit("/", 1)[-1]
        if image in ("pytorch/pytorch", "docker.io/pytorch/pytorch"):
            match = _PYTORCH_TAG.match(tag)
            if match:
                variant = f"cu{match.group(2)}{match.group(3)}"
                self.requirements.append(
                    Requirement(
                        "torch",
                        f"=={match.group(1)}+{variant}",
                        position,
                        ecosystem="image",
                        platforms=platforms,
                        scope=-1 - self.stage,
                        path=self.path,
                    )
                )
        elif name == "python" and _PYTHON_TAG.match(tag):
            minor = _PYTHON_TAG.match(tag).group(1)  # type: ignore[union-attr]
            self.pythons.append(PythonPin(f"=={minor}.*", position, "docker-image"))

    def run_line(self, logical: LogicalLine, rest: str, offset: int) -> None:
        rest = _substitute(rest, self.args)
        if rest.lstrip().startswith("["):
            import json  # exec form only: most RUN lines are shell form

            try:
                words = [str(w) for w in json.loads(rest)]
            except ValueError:
                return
        else:
            try:
                lexer = shlex.shlex(rest, posix=True, punctuation_chars=";&|")
                lexer.whitespace_split = True
                words = list(lexer)
            except ValueError:
                raise InputError(self.path, "unbalanced quotes in RUN", logical.line) from None
        platforms = frozenset({self.platform}) if self.platform else None
        cursor = offset
        for arguments in _install_commands(words):
            self.scope += 1
            iterator = iter(arguments)
            for word in iterator:
                option, equals, inline = (
                    word.partition("=")
                    if word.startswith("--")
                    else (
                        word,
                        "",
                        "",
                    )
                )
                if option in _VALUE_OPTIONS or (
                    option[:2] in _VALUE_OPTIONS and len(option) > 2 and not option.startswith("--")
                ):
                    if option not in _VALUE_OPTIONS:
                        option, inline, equals = option[:2], option[2:], "="
                    value = inline if equals else next(iterator, "")
                    position, cursor = self.locate(logical, value, cursor)
                    role = _VALUE_OPTIONS[option]
                    if role in ("requirement", "constraint"):
                        self.includes.append(Include(value, role == "constraint", position))
                    else:
                        self.indexes.append(
                            IndexRef(
                                value, role, position, "docker", scope=self.scope, path=self.path
                            )
                        )
                    continue
                if option in _SKIP_VALUE and not equals:
                    next(iterator, None)
                    continue
                if word.startswith("-") or word.startswith((".", "/", "git+")):
                    continue
                position, cursor = self.locate(logical, word, cursor)
                self.add_requirement(word, position, platforms)

    def add_requirement(
        self, word: str, position: Position, platforms: Optional[frozenset[str]]
    ) -> None:
        wheel = wheel_name_version(word)
        marker: Optional[str] = None
        url: Optional[str] = word
        if wheel is not None and "@" not in word:
            name, specifier = wheel[0], "==" + wheel[1]
        else:
            if "://" in word and "@" not in word:
                return
            try:
                parsed = parse_requirement(word)
            except ValueError:
                return  # a shell word we do not understand is not a requirement to judge
            name, specifier, url, marker = parsed.name, parsed.specifier, parsed.url, parsed.marker
        self.requirements.append(
            Requirement(
                name,
                specifier,
                position,
                marker=marker,
                url=url,
                platforms=platforms,
                scope=self.scope,
                path=self.path,
            )
        )

    def env_line(self, logical: LogicalLine, rest: str, offset: int) -> None:
        pairs = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)", rest)
        if not pairs and len(rest.split(None, 1)) == 2:
            pairs = [tuple(rest.split(None, 1))]  # legacy "ENV KEY value"
        for key, raw in pairs:
            value = _substitute(raw.strip("\"'"), self.args)
            self.args.setdefault(key, value)
            if key in _ENV_INDEX:
                for url in value.split():
                    position, _ = self.locate(logical, url, offset)
                    self.indexes.append(
                        IndexRef(url, _ENV_INDEX[key], position, "docker", path=self.path)
                    )

    def read(self, lines: list[LogicalLine]) -> None:
        for logical in lines:
            stripped = logical.text.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            instruction, _, rest = stripped.partition(" ")
            offset = len(logical.text) - len(stripped) + len(instruction) + 1
            instruction = instruction.upper()
            if instruction == "ARG":
                name, equals, value = rest.strip().partition("=")
                if equals:
                    self.args[name] = value.strip("\"'")
            elif instruction == "FROM":
                self.from_line(logical, rest, offset)
            elif instruction == "RUN":
                self.run_line(logical, rest, offset)
            elif instruction == "ENV":
                self.env_line(logical, rest, offset)


def read_dockerfile(text: str, path: str) -> Document:
    reader = _Reader(path)
    lines = join_continuations(text)
    reader.read(lines)
    return Document(
        path=path,
        kind="dockerfile",
        requirements=tuple(reader.requirements),
        indexes=tuple(reader.indexes),
        includes=tuple(reader.includes),
        pythons=tuple(reader.pythons),
        images=tuple(reader.images),
        ignores=spread_ignores(inline_ignores(text), lines),
    )
