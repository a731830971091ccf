"""The provider's per-target work: skipped files logged lazily, markers per target."""

from __future__ import annotations

import email.message
import email.parser
import functools
import json
from pathlib import Path
from typing import Optional

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from torchenv.index.models import Link, ProjectPage
from torchenv.resolve.evaluate import LinkEvaluator
from torchenv.resolve.provider import Candidate, Dependency, TargetProvider
from torchenv.resolve.source import MemorySource
from torchenv.targets import marker_environment, parse_target, supported_tags

DATA = Path(__file__).parent / "data"
INDEX = json.loads((DATA / "resolver_index.json").read_text())["indexes"]
PYPI = "https://pypi.test/simple"


def _provider(source: MemorySource, target_name: str) -> tuple[TargetProvider, LinkEvaluator]:
    target = parse_target(target_name)
    environment = marker_environment(target, "3.11")
    evaluator = LinkEvaluator(
        target_name, supported_tags(target, "3.11"), environment["python_full_version"]
    )
    provider = TargetProvider(source, lambda name: evaluator, environment, lambda name: PYPI)
    return provider, evaluator


def _matches(provider: TargetProvider, name: str, specifier: str = "") -> list[Candidate]:
    wanted = Dependency(canonicalize_name(name), SpecifierSet(specifier))
    return provider.find_matches(name, {name: iter([wanted])}, {name: iter([])})


@pytest.mark.parametrize("target_name", ["linux-x86_64", "windows-x86_64", "macos-arm64"])
def test_lazy_reasons_read_like_the_evaluator_words_them(target_name: str) -> None:
    source = MemorySource(INDEX)
    provider, evaluator = _provider(source, target_name)
    for project in INDEX[PYPI]:
        name = canonicalize_name(project)
        _matches(provider, name)
        expected = []
        for link in source.project_page(PYPI, name).links:
            verdict, reason = evaluator.evaluate(name, link)
            if verdict is None:
                expected.append(f"skipping {link.filename}: {reason}")
        yanked = [
            f"skipping {c.link.filename}: yanked (allowed only when pinned with ==)"
            for c in provider._candidates[name]
            if c.yanked and c.link is not None
        ]
        assert provider.reasons(name) == expected + yanked
        assert provider.rejections[name] == provider.reasons(name)
    assert any(provider.reasons(name) for name in provider.rejections)


def test_yanked_file_offered_only_for_an_exact_pin() -> None:
    source = MemorySource(INDEX)
    provider, _ = _provider(source, "linux-x86_64")
    yanked = [
        (canonicalize_name(project), entry["filename"].split("-")[1])
        for project, files in INDEX[PYPI].items()
        for entry in files
        if entry.get("yanked") is not None
    ]
    assert yanked
    name, version = yanked[0]
    assert Version(version) not in {c.version for c in _matches(provider, name)}
    assert Version(version) in {c.version for c in _matches(provider, name, f"=={version}")}


def _demo_source() -> MemorySource:
    lines = ["a; extra == 'x'", "b; sys_platform == 'win32'", "c>=1", "this is ( broken"]
    return MemorySource(
        {
            PYPI: {
                project: [
                    {
                        "filename": f"{project}-1.0-py3-none-any.whl",
                        "metadata_requires_python": ">=3.9",
                        "provides_extra": ["x"],
                        "requires_dist": lines,
                    }
                ]
                for project in ("demo", "other")
            }
        }
    )


@pytest.mark.parametrize(
    ("target_name", "extras", "expected"),
    [
        ("linux-x86_64", frozenset(), ["<python>", "c"]),
        ("linux-x86_64", frozenset({"x"}), ["<python>", "a", "c", "demo"]),
        ("windows-x86_64", frozenset(), ["<python>", "b", "c"]),
        ("windows-x86_64", frozenset({"x"}), ["<python>", "a", "b", "c", "demo"]),
    ],
)
def test_markers_are_evaluated_per_target_and_extras(
    target_name: str, extras: frozenset[str], expected: list[str]
) -> None:
    source = _demo_source()
    provider, _ = _provider(source, target_name)
    for project in ("demo", "other"):
        # The second project's identical markers are answered from the provider's cache.
        name = NormalizedName(project)
        (candidate,) = _matches(provider, name)
        if extras:
            candidate = candidate._replace(extras=extras)
        dependencies = provider.get_dependencies(candidate)
        want = [project if n == "demo" else n for n in expected]
        assert sorted(d.name for d in dependencies) == sorted(want)
        python = dependencies[0]
        assert python.text == "Requires-Python >=3.9" and python.parent == candidate.identifier
        assert provider.get_dependencies(candidate) == dependencies


def test_records_compare_and_hash_like_values() -> None:
    first = Dependency(NormalizedName("demo"), SpecifierSet(">=1"), frozenset({"b", "a"}))
    assert first.identifier == "demo[a,b]"
    assert first == Dependency(NormalizedName("demo"), SpecifierSet(">=1"), frozenset({"a", "b"}))
    assert len({first, first._replace()}) == 1
    assert not first.pinned and first._replace(specifier=SpecifierSet("==1.0")).pinned
    candidate = Candidate(NormalizedName("demo"), Version("1.0"), None)
    assert candidate.identifier == "demo" and candidate.index_url == ""
    assert hash(candidate) == hash(Candidate(NormalizedName("demo"), Version("1.0"), None))


FIXTURES = Path(__file__).parent.parent / "fixtures" / "index"
RECORDED_METADATA = sorted(FIXTURES.rglob("*.metadata"))


@functools.cache
def _message(raw: bytes) -> email.message.Message:
    return email.parser.Parser().parsestr(raw.decode("utf-8", "replace"), headersonly=True)


@functools.cache
def _requirement(line: str) -> Optional[Requirement]:
    try:
        return Requirement(line)
    except InvalidRequirement:
        return None


def _reference_dependencies(
    raw: bytes, environment: dict[str, str], extras: frozenset[str]
) -> list[tuple[str, str, frozenset[str], str]]:
    """The straightforward reading: email.parser, every line parsed, every marker run."""
    message = _message(raw)
    result = []
    requires_python = message.get("Requires-Python")
    if requires_python:
        result.append(("<python>", str(SpecifierSet(requires_python)), frozenset(), ""))
    for line in message.get_all("Requires-Dist") or []:
        requirement = _requirement(line)
        if requirement is None:
            continue
        if requirement.marker is not None and not any(
            requirement.marker.evaluate(environment=dict(environment, extra=extra))
            for extra in ("", *sorted(extras))
        ):
            continue
        name = canonicalize_name(requirement.name)
        result.append((name, str(requirement.specifier), frozenset(requirement.extras), line))
    return result


def _pypi(name: str) -> str:
    return PYPI


class _OneFile:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        raise AssertionError("not used")

    def wheel_metadata(self, link: Link) -> bytes:
        return self.raw


@pytest.mark.parametrize("target_name", ["linux-x86_64", "windows-x86_64", "macos-arm64"])
def test_recorded_metadata_gives_the_reference_dependencies(target_name: str) -> None:
    assert len(RECORDED_METADATA) > 50
    target = parse_target(target_name)
    environment = marker_environment(target, "3.11")
    evaluator = LinkEvaluator(target_name, supported_tags(target, "3.11"), "3.11.0")
    link = Link("demo-1.0-py3-none-any.whl", "https://files.test/demo-1.0-py3-none-any.whl")
    checked_extras = dependencies_seen = 0
    files = {path.read_bytes(): path for path in RECORDED_METADATA}  # one per content
    for raw, path in files.items():
        declared = _message(raw).get_all("Provides-Extra") or []
        # No extras, each declared extra alone (spelled as declared and upper-cased:
        # extra names compare normalized), and all of them together.
        for extras in [frozenset(), *({e, e.upper()} for e in declared), set(declared)]:
            provider = TargetProvider(_OneFile(raw), lambda name: evaluator, environment, _pypi)
            candidate = Candidate(NormalizedName("demo"), Version("1.0"), link, PYPI)
            candidate = candidate._replace(extras=frozenset(extras))
            dependencies = provider.get_dependencies(candidate)
            if extras:  # a candidate with extras also depends on its own base version
                base = dependencies.pop()
                assert (base.name, str(base.specifier)) == ("demo", "==1.0")
            got = [
                (d.name, str(d.specifier), d.extras, "" if d.name == "<python>" else d.text)
                for d in dependencies
            ]
            assert got == _reference_dependencies(raw, environment, frozenset(extras)), path
            checked_extras += bool(extras)
            dependencies_seen += len(got)
    assert checked_extras > 50 and dependencies_seen > 200


@pytest.mark.parametrize("version", ["1.0", "1.0a1", "1.0.dev0", "1.0+cpu", "1!2.0rc1.post1+x"])
def test_empty_specifier_contains_every_version(version: str) -> None:
    # find_matches and is_satisfied_by skip asking an empty specifier: this is why.
    assert SpecifierSet("").contains(Version(version), prereleases=True)
    provider, _ = _provider(MemorySource({}), "linux-x86_64")
    candidate = Candidate(NormalizedName("demo"), Version(version), None)
    assert provider.is_satisfied_by(Dependency(NormalizedName("demo"), SpecifierSet()), candidate)
    assert not provider.is_satisfied_by(
        Dependency(NormalizedName("other"), SpecifierSet()), candidate
    )


def test_satisfaction_is_remembered_per_object_not_per_equal_value() -> None:
    # 2.7 == 2.7.0, yet "===2.7" matches only the text "2.7": the memo must not mix them.
    provider, _ = _provider(MemorySource({}), "linux-x86_64")
    name = NormalizedName("demo")
    exact = Dependency(name, SpecifierSet("===2.7"))
    short, long = Version("2.7"), Version("2.7.0")
    assert short == long
    for _ in range(2):  # the second round answers from the memo
        assert provider.is_satisfied_by(exact, Candidate(name, short, None))
        assert not provider.is_satisfied_by(exact, Candidate(name, long, None))
        assert not provider.is_satisfied_by(
            Dependency(name, SpecifierSet("<2.7")), Candidate(name, short, None)
        )
        assert provider.is_satisfied_by(
            Dependency(name, SpecifierSet(">=2.7a1")), Candidate(name, Version("2.8rc1"), None)
        )
