"""The TOML subset parser gives tomllib's value or declines; it never disagrees.

The property: for any text, ``parse_subset(text)`` is either None or exactly
``tomllib.loads(text)``, and it is None whenever tomllib rejects the text.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from torchenv.tomlsubset import parse_subset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def reference(text: str) -> Any:
    """tomllib's value, or the exception type when it rejects the text."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return tomllib.TOMLDecodeError


def assert_agrees(text: str) -> Any:
    ours = parse_subset(text)
    expected = reference(text)
    if ours is not None:
        assert expected is not tomllib.TOMLDecodeError, f"accepted invalid TOML: {text!r}"
        assert _same(ours, expected), text
    return ours


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 == True would hide bugs)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


REPO_TOML = sorted(
    {
        p
        for pattern in ("*.toml", "**/*.toml")
        for p in ROOT.glob(pattern)
        if ".venv" not in p.parts and ".git" not in p.parts
    }
)


def test_the_repository_has_toml_to_compare() -> None:
    assert len(REPO_TOML) > 15


@pytest.mark.parametrize("path", REPO_TOML, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_toml_file_in_the_repository(path: Path) -> None:
    assert_agrees(path.read_text(encoding="utf-8"))


def test_common_files_take_the_fast_path() -> None:
    """The point of the parser: the everyday files never need tomllib."""
    for name in ("pyproject.toml", "fixtures/check/uv-good/pyproject.toml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert parse_subset(text) == tomllib.loads(text), name


ACCEPTED = [
    "",
    "a = 1",
    "a = -0\nb = +7\nc = 3.25\nd = -0.5\ne = true\nf = false",
    'a = "x"\nb = \'y\'\nc = ""\nd = "tab\\there \\u00e9 \\U0001F600 \\"q\\" \\\\"',
    "[project]\nname = 'x'\ndependencies = [\n  'torch==2.7.1', # pin\n  \"numpy\",\n]\n",
    "[a.b]\nx = 1\n[a]\ny = 2\n",
    "[[t]]\nx = 1\n[[t]]\nx = 2\n[t.sub]\ny = 3\n",
    "a.b.c = 1\na.b.d = 2\n",
    "[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true\n",
    "x = { a = 1, b.c = 'd', e = [1, 2] }\n",
    "x = {}\ny = []\nz = [[1], [2, [3]], {a=1}]\n",
    '"quoted key" = 1\n\'lit\' = 2\n"" = 3\n',
    "[ spaced . header ]\nk=1\n",
    "[[ spaced ]]\n",
    "a = 1 # comment\n# only a comment\n\n\n",
    "a = 1\r\nb = 2\r\n",
    "key = 'value with # not a comment'\n",
    "n = 123456789012345678901234567890\n",
]

DECLINED = [
    'a = """multi\nline"""',
    "a = '''lit'''",
    "d = 1979-05-27",
    "t = 07:32:00",
    "h = 0xDEAD",
    "u = 1_000",
    "e = 1e5",
    "i = inf",
    "n = nan",
]

# Invalid in TOML 1.0 (tomllib up to 3.14), valid in TOML 1.1 (tomli >= 2.3): the subset
# declines them either way.
TOML_1_1 = ["x = { a = 1, }", "x = { a = 1\n}", 'x = "\\e"', 'x = "\\x41"']

INVALID = [
    "a = 1\na = 2",
    "[a]\n[a]",
    "a.b = 1\n[a]",
    "[a]\nb.c = 1\n[a.b]",
    "a = [1]\n[[a]]",
    "[[a]]\n[a]",
    "x = { a = 1 }\n[x.b]",
    "x = { a = 1 }\nx.b = 2",
    "a = 01",
    "a = 1.",
    "a = .5",
    "a = truex",
    "a = 'x' 'y'",
    "a = 1,",
    "[a] b = 1",
    'a = "\\q"',
    'a = "\\uD800"',
    "a = 'unterminated",
    'a = "new\nline"',
    "a = [1,,2]",
    "a = [,]",
    "a",
    "= 1",
    "a = \x01",
    "a = 1 # \x7f",
    "a = 1\rb = 2",
    "\ufeffa = 1",
    "[a",
    "[[a]",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_subset_documents_are_parsed_like_tomllib(text: str) -> None:
    assert assert_agrees(text) is not None, text


@pytest.mark.parametrize("text", DECLINED)
def test_valid_toml_outside_the_subset_goes_to_tomllib(text: str) -> None:
    assert reference(text) is not tomllib.TOMLDecodeError
    assert parse_subset(text) is None


@pytest.mark.parametrize("text", TOML_1_1)
def test_toml_1_1_additions_go_to_tomllib(text: str) -> None:
    assert parse_subset(text) is None


@pytest.mark.parametrize("text", INVALID)
def test_invalid_toml_is_never_accepted(text: str) -> None:
    assert reference(text) is tomllib.TOMLDecodeError, text
    assert parse_subset(text) is None


_ALPHABET = [*"[]{}=.,\"'#\n \t-+_0123456789abcxyz\\", "true", "[[", "]]", "= "]


def _mutations(text: str, generator: random.Random) -> list[str]:
    found = []
    for _ in range(60):
        position = generator.randrange(len(text) + 1)
        choice = generator.random()
        if choice < 0.4 and text:
            found.append(text[:position] + text[position + 1 :])
        elif choice < 0.8:
            found.append(text[:position] + generator.choice(_ALPHABET) + text[position:])
        else:
            other = generator.randrange(len(text) + 1)
            low, high = sorted((position, other))
            found.append(text[:low] + text[high:] + text[low:high])
    return found


def test_mutated_documents_never_disagree_with_tomllib() -> None:
    """Thousands of near-valid documents: accepted ones equal tomllib's, invalid declined."""
    generator = random.Random("toml-subset")
    seeds = (
        ACCEPTED
        + [p.read_text(encoding="utf-8") for p in REPO_TOML if p.stat().st_size < 4000][:40]
    )
    accepted = 0
    for seed in seeds:
        if not seed:
            continue
        for text in _mutations(seed, generator):
            accepted += assert_agrees(text) is not None
    assert accepted > 500  # the comparison exercised the parser, not only its refusals


def _random_value(generator: random.Random, depth: int) -> Any:
    kind = generator.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return generator.randint(-(10**12), 10**12)
    if kind == 1:
        return round(generator.uniform(-1000, 1000), generator.randint(0, 6))
    if kind == 2:
        return generator.random() < 0.5
    if kind in (3, 4, 5):
        return "".join(generator.choice("ab \t\"'\\#=[]{}.,é😀\n\u0001") for _ in range(6))
    if kind in (6, 7):
        return [_random_value(generator, depth + 1) for _ in range(generator.randint(0, 3))]
    return _random_table(generator, depth + 1)


def _random_table(generator: random.Random, depth: int) -> dict[str, Any]:
    keys = ["a", "b-c", "d_e", "1", "quoted key", "é", ""]
    return {
        generator.choice(keys) + str(n): _random_value(generator, depth)
        for n in range(generator.randint(0, 4))
    }


def test_documents_written_by_tomli_w_agree() -> None:
    """tomli_w (the writer torchenv uses) gives arrays of tables, nested tables, escapes."""
    import tomli_w

    generator = random.Random("tomli-w")
    accepted = 0
    for _ in range(300):
        text = tomli_w.dumps(_random_table(generator, 0))
        accepted += assert_agrees(text) is not None
    assert accepted > 100
