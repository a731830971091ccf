"""prefetch_like: the METADATA a target will need, guessed from the previous target."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from torchenv.index.models import Link, ProjectPage
from torchenv.resolve.evaluate import FileVerdict, LinkEvaluator
from torchenv.resolve.provider import Candidate
from torchenv.resolve.resolver import ResolvedTarget, prefetch_like
from torchenv.targets import parse_target, supported_tags

WHL = "https://download.pytorch.test/whl/cpu/torch/"
TORCH = canonicalize_name("torch")
FILES = [
    "torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "torch-2.7.0+cpu-cp311-cp311-win_amd64.whl",
    "torch-2.7.0+cpu-cp312-cp312-win_amd64.whl",
    "torch-2.6.0+cpu-cp311-cp311-win_amd64.whl",
    "torch-2.7.0-cp311-none-macosx_11_0_arm64.whl",
]


class RecordingSource:
    def __init__(self) -> None:
        self.page = ProjectPage(
            "torch", WHL, tuple(Link(name, WHL + name.replace("+", "%2B")) for name in FILES)
        )
        self.prefetched: list[str] = []

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        assert (index_url, name) == (WHL.rsplit("/torch/", 1)[0], "torch")
        return self.page

    def wheel_metadata(self, link: Link) -> bytes:
        raise AssertionError("prefetch_like only starts fetches")

    def prefetch_metadata(self, links: list[Link]) -> None:
        self.prefetched += [link.filename for link in links]


def linux_result(source: RecordingSource) -> ResolvedTarget:
    chosen = source.page.links[0]
    torch = Candidate(TORCH, Version("2.7.0+cpu"), chosen, WHL.rsplit("/torch/", 1)[0])
    return ResolvedTarget(parse_target("linux-x86_64"), "3.11", "cpu", (torch,), ())


def test_asks_for_the_same_version_best_file_of_the_other_target() -> None:
    source = RecordingSource()
    count = prefetch_like(
        linux_result(source),
        parse_target("windows-x86_64"),
        "3.11",
        "cpu",
        source,
    )
    assert count == 1
    assert source.prefetched == ["torch-2.7.0+cpu-cp311-cp311-win_amd64.whl"]


def test_a_label_free_build_of_the_same_release_counts() -> None:
    source = RecordingSource()
    prefetch_like(linux_result(source), parse_target("macos-arm64"), "3.11", "cpu", source)
    assert source.prefetched == ["torch-2.7.0-cp311-none-macosx_11_0_arm64.whl"]


def test_nothing_when_the_version_has_no_file_for_the_target_or_is_the_same_file() -> None:
    source = RecordingSource()
    assert (
        prefetch_like(linux_result(source), parse_target("linux-aarch64"), "3.11", "cpu", source)
        == 0
    )
    assert (
        prefetch_like(linux_result(source), parse_target("linux-x86_64"), "3.11", "cpu", source)
        == 0
    )
    assert source.prefetched == []


def test_a_source_that_cannot_prefetch_is_left_alone() -> None:
    class Plain:
        def project_page(self, index_url: str, name: str) -> ProjectPage:
            raise AssertionError("not asked")

        def wheel_metadata(self, link: Link) -> bytes:
            raise AssertionError("not asked")

    source = RecordingSource()
    windows = parse_target("windows-x86_64")
    assert prefetch_like(linux_result(source), windows, "3.11", "cpu", Plain()) == 0


# A page mixing what a real one lists: several releases, label-free and labelled builds,
# other variants, an sdist, a yanked file, Requires-Python, build-tag ties, bad names.
MIXED = [
    ("torch-2.7.0.tar.gz", {}),
    ("torch-2.6.0+cpu-cp311-cp311-win_amd64.whl", {}),
    ("torch-2.7.0+cu128-cp311-cp311-win_amd64.whl", {}),
    ("torch-2.7.0+cpu-cp311-cp311-win_amd64.whl", {"yanked": ""}),
    ("torch-2.7.0+cpu-2-cp311-cp311-win_amd64.whl", {}),
    ("torch-2.7.0+cpu-1-cp311-cp311-win_amd64.whl", {}),
    ("torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_aarch64.whl", {"requires_python": ">=3.12"}),
    ("torch-2.7.0-cp311-cp311-manylinux_2_28_aarch64.whl", {}),
    ("torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", {}),
    ("torch-2.7.0+cpu-cp311-cp311-linux_x86_64.whl", {}),
    ("torch-2.7.0-cp311-none-macosx_11_0_arm64.whl", {}),
    ("torch-2.7.0-cp311-none-macosx_14_0_arm64.whl", {}),
    ("torch-2.07.0-cp311-none-macosx_13_0_arm64.whl", {}),
    ("torchvision-2.7.0-cp311-cp311-win_amd64.whl", {}),
    ("torch-2.7.0-cp311-cp311.whl", {}),
    ("torch-2.7.0+cpu-cp312-cp312-macosx_11_0_arm64.whl", {}),
]


class MixedSource(RecordingSource):
    def __init__(self, order: list[tuple[str, dict[str, str]]]) -> None:
        super().__init__()
        links = tuple(Link(f, WHL + f.replace("+", "%2B"), **kw) for f, kw in order)  # type: ignore[arg-type]
        self.page = ProjectPage("torch", WHL, links)


def _whole_page_scan(previous: ResolvedTarget, target: str, page: ProjectPage) -> list[str]:
    """What prefetch_like chose when it judged every file of the page."""
    chosen = []
    for package in previous.packages:
        evaluator = LinkEvaluator(
            target, supported_tags(parse_target(target), "3.11"), "3.11.99", previous.variant
        )
        best = None
        for link in page.links:
            verdict = evaluator.judge(package.name, link)
            if not isinstance(verdict, FileVerdict):
                continue
            if verdict.version.public != package.version.public:
                continue
            if best is None or verdict.tag_rank < best.tag_rank:
                best = verdict
        if best is not None and package.link is not None and best.link.url != package.link.url:
            chosen.append(best.link.filename)
    return chosen


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("pinned", ["2.7.0+cpu", "2.6.0+cpu", "2.7.0", "2.07"])
@pytest.mark.parametrize(
    "target", ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"]
)
def test_the_same_file_as_judging_the_whole_page(target: str, pinned: str, reverse: bool) -> None:
    source = MixedSource(MIXED[::-1] if reverse else MIXED)
    some_file = Link("torch-x.whl", WHL + "torch-x.whl")  # no target's best file
    torch = Candidate(TORCH, Version(pinned), some_file, WHL.rsplit("/torch/", 1)[0])
    previous = ResolvedTarget(parse_target("linux-x86_64"), "3.11", "cpu", (torch,), ())
    count = prefetch_like(previous, parse_target(target), "3.11", "cpu", source)
    expected = _whole_page_scan(previous, target, source.page)
    assert source.prefetched == expected and count == len(expected)


def test_mixed_page_choices() -> None:
    def choice(target: str, pinned: str, order: list[tuple[str, dict[str, str]]]) -> list[str]:
        source = MixedSource(order)
        some_file = Link("torch-x.whl", WHL + "torch-x.whl")
        torch = Candidate(TORCH, Version(pinned), some_file, WHL.rsplit("/torch/", 1)[0])
        previous = ResolvedTarget(parse_target("linux-x86_64"), "3.11", "cpu", (torch,), ())
        prefetch_like(previous, parse_target(target), "3.11", "cpu", source)
        return source.prefetched

    # Yanked files count (resolution decides about them); of two equal builds the first
    # listed wins; the +cu128 build is not the cpu variant.
    assert choice("windows-x86_64", "2.7.0+cpu", MIXED) == [
        "torch-2.7.0+cpu-cp311-cp311-win_amd64.whl"
    ]
    without_yanked = [entry for entry in MIXED if entry[1].get("yanked") is None]
    assert choice("windows-x86_64", "2.7.0+cpu", without_yanked) == [
        "torch-2.7.0+cpu-2-cp311-cp311-win_amd64.whl"
    ]
    assert choice("windows-x86_64", "2.7.0+cpu", without_yanked[::-1]) == [
        "torch-2.7.0+cpu-1-cp311-cp311-win_amd64.whl"
    ]
    # The label-free build where Requires-Python rules out the labelled one.
    assert choice("linux-aarch64", "2.7.0+cpu", MIXED) == [
        "torch-2.7.0-cp311-cp311-manylinux_2_28_aarch64.whl"
    ]
    # The best macOS tag among three label-free builds, one spelled 2.07.0.
    assert choice("macos-arm64", "2.7.0+cpu", MIXED) == [
        "torch-2.7.0-cp311-none-macosx_14_0_arm64.whl"
    ]
    assert choice("windows-x86_64", "2.6.0+cpu", MIXED) == [
        "torch-2.6.0+cpu-cp311-cp311-win_amd64.whl"
    ]
    assert choice("windows-x86_64", "2.5.0", MIXED) == []
