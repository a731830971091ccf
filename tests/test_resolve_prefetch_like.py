"""prefetch_like: the METADATA a target will need, guessed from the previous target."""

from __future__ import annotations

from packaging.version import Version

from torchenv.index.models import Link, ProjectPage
from torchenv.resolve.provider import Candidate
from torchenv.resolve.resolver import ResolvedTarget, prefetch_like
from torchenv.targets import parse_target

WHL = "https://download.pytorch.test/whl/cpu/torch/"
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

    def prefetch_metadata(self, links: list[Link]) -> None:
        self.prefetched += [link.filename for link in links]


def linux_result(source: RecordingSource) -> ResolvedTarget:
    chosen = source.page.links[0]
    torch = Candidate("torch", Version("2.7.0+cpu"), chosen, WHL.rsplit("/torch/", 1)[0])  # type: ignore[arg-type]
    return ResolvedTarget(parse_target("linux-x86_64"), "3.11", "cpu", (torch,), ())


def test_asks_for_the_same_version_best_file_of_the_other_target() -> None:
    source = RecordingSource()
    count = prefetch_like(
        linux_result(source),
        parse_target("windows-x86_64"),
        "3.11",
        "cpu",
        source,  # type: ignore[arg-type]
    )
    assert count == 1
    assert source.prefetched == ["torch-2.7.0+cpu-cp311-cp311-win_amd64.whl"]


def test_a_label_free_build_of_the_same_release_counts() -> None:
    source = RecordingSource()
    prefetch_like(linux_result(source), parse_target("macos-arm64"), "3.11", "cpu", source)  # type: ignore[arg-type]
    assert source.prefetched == ["torch-2.7.0-cp311-none-macosx_11_0_arm64.whl"]


def test_nothing_when_the_version_has_no_file_for_the_target_or_is_the_same_file() -> None:
    source = RecordingSource()
    assert (
        prefetch_like(linux_result(source), parse_target("linux-aarch64"), "3.11", "cpu", source)
        == 0
    )  # type: ignore[arg-type]
    assert (
        prefetch_like(linux_result(source), parse_target("linux-x86_64"), "3.11", "cpu", source)
        == 0
    )  # type: ignore[arg-type]
    assert source.prefetched == []


def test_a_source_that_cannot_prefetch_is_left_alone() -> None:
    class Plain:
        pass

    source = RecordingSource()
    assert (
        prefetch_like(linux_result(source), parse_target("windows-x86_64"), "3.11", "cpu", Plain())
        == 0
    )  # type: ignore[arg-type]
