"""The per-run memo: each page's files judged once per evaluator, exactly as a full scan."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Optional

import pytest
from packaging.utils import InvalidWheelFilename, NormalizedName, canonicalize_name
from packaging.utils import parse_wheel_filename as packaging_parse_wheel_filename

from torchenv.index.models import Link, ProjectPage
from torchenv.index.pages import parse_json_page
from torchenv.resolve.evaluate import FileVerdict, LinkEvaluator, Rejection, tag_text
from torchenv.resolve.run_memo import PageFiles, RunMemo, run_memo
from torchenv.targets import parse_target

PYPI = Path(__file__).parent.parent / "fixtures" / "index" / "pypi"
TARGETS = ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"]

# Names a page may list that no recorded page has: odd case, build tags, compressed tag
# sets, too few fields, an empty tag component, other projects, files that are not wheels.
ODD = [
    "demo-1.0-py3-none-ANY.whl",
    "demo-1.0-PY3-NONE-any.whl",
    "demo-1.0-2-py3-none-any.whl",
    "demo-1.0-1-py3-none-any.whl",
    "demo-1.0-py2.py3-none-any.whl",
    "demo-1.0-cp311-cp311-win_amd64.win32.whl",
    "demo-1.0-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "demo-1.0-py3-none-.whl",
    "demo-1.0-py3-none.whl",
    "demo-1.0.whl",
    "demo.whl",
    "demo-1.0-3x-none-any.whl",
    "demo-1.0.x-py3-none-any.whl",
    "other-1.0-py3-none-any.whl",
    "demo-1.0.tar.gz",
    "demo-1.0.zip",
    "demo-2.0+cpu-cp311-cp311-win_amd64.whl",
    "demo-2.0+cu128-cp311-cp311-win_amd64.whl",
]


def _recorded_pages() -> list[ProjectPage]:
    return [
        parse_json_page(path.read_bytes(), f"https://pypi.test/simple/{path.parent.name}/")
        for path in sorted(PYPI.glob("*/index.json"))
    ]


def _odd_page() -> ProjectPage:
    return ProjectPage(
        "demo", "https://i.test/demo/", tuple(Link(f, "https://i.test/demo/" + f) for f in ODD)
    )


def _evaluators(target_name: str) -> list[LinkEvaluator]:
    memo = RunMemo()
    target = parse_target(target_name)
    return [memo.evaluator(target, "3.11", variant) for variant in (None, "cpu")]


def _full_scan(evaluator: LinkEvaluator, name: NormalizedName, page: ProjectPage) -> list[Link]:
    return [
        link
        for link in page.links
        if isinstance(evaluator.judge(name, link), FileVerdict)  # judge every file
    ]


@pytest.mark.parametrize("target_name", TARGETS)
def test_verdicts_are_those_of_judging_every_file_in_page_order(target_name: str) -> None:
    pages = [*_recorded_pages(), _odd_page()]
    assert sum(len(page) for page in pages) > 1000
    kept = 0
    for evaluator in _evaluators(target_name):
        for page in pages:
            name = canonicalize_name(page.name)
            files = PageFiles(page)
            verdicts = files.verdicts(evaluator, name)
            assert [v.link for v in verdicts] == _full_scan(evaluator, name, page), page.name
            assert verdicts == tuple(evaluator.judge(name, v.link) for v in verdicts)
            assert files.verdicts(evaluator, name) is verdicts  # judged once
            kept += len(verdicts)
            # Whatever the platform and tag prefilter passes over, judge rejects.
            may_fit = set(files.wheels_that_may_fit(evaluator))
            for link in page.links:
                if link not in may_fit:
                    assert isinstance(evaluator.judge(name, link), Rejection), link.filename
    assert kept > 50


def _tags_supported(evaluator: LinkEvaluator, filename: str) -> Optional[bool]:
    """judge's own tag verdict for a well-formed name, None for a name it refuses."""
    try:
        name = packaging_parse_wheel_filename(filename)[0]
    except InvalidWheelFilename:
        return None
    verdict = evaluator.judge(name, Link(filename, "https://x/" + filename))
    return not (isinstance(verdict, Rejection) and verdict.kind == "tags")


@pytest.mark.parametrize("target_name", TARGETS)
def test_tag_text_fits_is_judges_tag_check(target_name: str) -> None:
    evaluator = _evaluators(target_name)[0]
    filenames = [link.filename for page in _recorded_pages() for link in page.links] + ODD
    decided = {True: 0, False: 0}
    for filename in filenames:
        if not filename.endswith(".whl"):
            assert evaluator.may_fit(filename)  # judge words why it is not a wheel
            continue
        supported = _tags_supported(evaluator, filename)
        fits = evaluator.tag_text_fits(tag_text(filename))
        assert evaluator.may_fit(filename) == fits
        if supported is None:
            continue  # judge refuses the name whatever the tags say
        assert fits == supported, filename
        decided[fits] += 1
    assert decided[True] > 20 and decided[False] > 500


def test_tag_text_is_the_last_three_fields() -> None:
    assert tag_text("numpy-2.2.0-cp311-cp311-win_amd64.whl") == "cp311-cp311-win_amd64"
    assert tag_text("demo-1.0-2-py2.py3-none-any.whl") == "py2.py3-none-any"
    assert tag_text("demo-1.0-py3.whl") == ""


def test_first_listed_file_wins_a_tie() -> None:
    # Two builds of one version with the same tags: the page's order decides, as a
    # scan of the whole page did.
    names = ["demo-1.0-2-py3-none-any.whl", "demo-1.0-1-py3-none-any.whl"]
    for order in (names, names[::-1]):
        links = tuple(Link(f, "https://i.test/demo/" + f) for f in order)
        files = PageFiles(ProjectPage("demo", "https://i.test/demo/", links))
        evaluator = _evaluators("linux-x86_64")[0]
        verdicts = files.verdicts(evaluator, canonicalize_name("demo"))
        assert [v.link.filename for v in verdicts] == order


class _Source:
    pass


class _NoWeakRef:
    __slots__ = ()


def test_one_memo_per_live_source() -> None:
    source, other = _Source(), _Source()
    memo = run_memo(source)
    assert run_memo(source) is memo and run_memo(other) is not memo
    page = _odd_page()
    assert memo.page_files(page) is memo.page_files(page)
    assert memo.page_files(page) is not memo.page_files(_odd_page())  # by identity
    target = parse_target("windows-x86_64")
    assert memo.evaluator(target, "3.11", "cpu") is memo.evaluator(target, "3.11", "cpu")
    assert memo.evaluator(target, "3.11", None) is not memo.evaluator(target, "3.11", "cpu")
    assert memo.evaluator(target, "3.11", None).variant is None
    gone = weakref.ref(memo)
    del memo, source
    gc.collect()
    assert gone() is None  # nothing outlives the run's source


def test_a_source_without_weak_references_gets_a_fresh_memo() -> None:
    source = _NoWeakRef()
    assert isinstance(run_memo(source), RunMemo)
    assert run_memo(source) is not run_memo(source)
