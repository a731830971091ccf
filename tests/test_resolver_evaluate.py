"""The per-file checks and their skip reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from torchenv.index.models import Link
from torchenv.resolve.evaluate import FileVerdict, LinkEvaluator, Rejection, variant_label
from torchenv.targets import parse_target, supported_tags


@pytest.mark.parametrize(
    ("version", "label"),
    [
        ("2.7.0+cu128", "cu128"),
        ("2.7.0+rocm6.4", "rocm6.4"),
        ("2.7.0+cpu", "cpu"),
        ("2.7.0+xpu", "xpu"),
        ("2.7.0", None),
        ("1.0+local.build", None),
    ],
)
def test_variant_label(version: str, label: str) -> None:
    assert variant_label(Version(version)) == label


def _evaluate(
    filename: str, target: str = "linux-x86_64", variant: str = "cu128", **kw: str
) -> str:
    evaluator = LinkEvaluator(
        target, supported_tags(parse_target(target), "3.11"), "3.11.99", variant
    )
    link = Link(filename, "https://x/" + filename, **kw)  # type: ignore[arg-type]
    verdict, reason = evaluator.evaluate(canonicalize_name("torch"), link)
    return "ok" if verdict else reason


def test_reasons() -> None:
    assert _evaluate("torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl") == "ok"
    # Unlabeled files on a variant page are accepted, never assumed to be CPU builds.
    assert _evaluate("torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl") == "ok"
    assert _evaluate("torch-2.7.0+cu128-cp311-cp311-win_amd64.whl") == (
        "platform tag win_amd64 not supported by linux-x86_64"
    )
    assert _evaluate("torch-2.7.0+cu126-cp311-cp311-manylinux_2_28_x86_64.whl") == (
        "local label +cu126 is not the cu128 variant"
    )
    assert _evaluate("torch-2.7.0+cu128-cp313-cp313-manylinux_2_28_x86_64.whl") == (
        "python tag cp313 not supported by Python 3.11"
    )
    assert _evaluate("torch-2.7.0.tar.gz") == "not a wheel (torchenv locks wheels only)"
    assert (
        _evaluate(
            "torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl", requires_python=">=3.12"
        )
        == "Requires-Python >=3.12 excludes 3.11.99"
    )


def test_more_reasons() -> None:
    assert _evaluate("torchvision-0.22.0-cp311-cp311-manylinux_2_28_x86_64.whl") == (
        "file is for torchvision, not torch"
    )
    assert _evaluate("torch-2.7.0.whl").startswith("bad wheel file name (")
    assert (
        _evaluate("torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl", requires_python=">=3.x")
        == "unparsable Requires-Python '>=3.x'"
    )
    # One tag set decided once per evaluator: the cached rank answers the same again.
    assert _evaluate("torch-2.7.0+cu128-cp311-cp311-win_amd64.whl") == (
        "platform tag win_amd64 not supported by linux-x86_64"
    )


def test_judge_returns_data_and_describe_words_it() -> None:
    evaluator = LinkEvaluator(
        "linux-x86_64", supported_tags(parse_target("linux-x86_64"), "3.11"), "3.11.99", "cpu"
    )
    name = canonicalize_name("torch")
    fits = Link("torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", "https://x/a.whl")
    verdict = evaluator.judge(name, fits)
    assert isinstance(verdict, FileVerdict) and verdict.version == Version("2.7.0+cpu")
    assert evaluator.evaluate(name, fits) == (verdict, "")
    for filename, requires_python in [
        ("torch-2.7.0+cpu-cp311-cp311-win_amd64.whl", None),
        ("torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", ">=3.12"),
        ("torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", ">=3.12"),  # cached
        ("torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl", None),
        ("torch-2.7.0.zip", None),
    ]:
        link = Link(filename, "https://x/" + filename, requires_python=requires_python)
        rejection = evaluator.judge(name, link)
        assert isinstance(rejection, Rejection)
        assert evaluator.evaluate(name, link) == (None, evaluator.describe(rejection))
    with pytest.raises(ValueError, match="unknown rejection kind"):
        evaluator.describe(Rejection("no-such-check"))


FIXTURES = Path(__file__).parent.parent / "fixtures" / "index"


def _recorded_filenames() -> list[str]:
    names = set()
    for page in (FIXTURES / "pypi").glob("*/index.json"):
        names.update(f["filename"] for f in json.loads(page.read_text())["files"])
    names.update(p.name[: -len(".metadata")] for p in FIXTURES.rglob("*.whl.metadata"))
    odd = ["demo-1.0-py3-none-ANY.whl", "demo.whl", "demo-1.0-py3-none-.whl", "demo-1.0.tar.gz"]
    return sorted(names) + odd


@pytest.mark.parametrize(
    "target", ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"]
)
def test_may_fit_is_false_only_for_files_judge_rejects(target: str) -> None:
    filenames = _recorded_filenames()
    assert len(filenames) > 500
    evaluator = LinkEvaluator(target, supported_tags(parse_target(target), "3.11"), "3.11.0")
    passed_over = 0
    for filename in filenames:
        name = canonicalize_name(filename.split("-", 1)[0])
        verdict = evaluator.judge(name, Link(filename, "https://x/" + filename))
        if not evaluator.may_fit(filename):
            passed_over += 1
            assert isinstance(verdict, Rejection), filename
    assert passed_over > 100
    assert evaluator.may_fit("demo-1.0-py3-none-ANY.whl")  # tags compare lower-cased


@pytest.mark.parametrize("variant", [None, "cpu", "cu128"])
def test_with_variant_judges_like_an_evaluator_built_for_it(variant: str) -> None:
    tags = supported_tags(parse_target("linux-x86_64"), "3.11")
    base = LinkEvaluator("linux-x86_64", tags, "3.11.0", "cu126")
    fresh = LinkEvaluator("linux-x86_64", tags, "3.11.0", variant)
    twin = base.with_variant(variant)
    assert twin.variant == variant and base.variant == "cu126"
    labels = ["", "+cpu", "+cu126", "+cu128", "+rocm6.3"]
    filenames = [f"torch-2.7.0{label}-cp311-cp311-manylinux_2_28_x86_64.whl" for label in labels]
    filenames += _recorded_filenames()
    for filename in filenames:
        name = canonicalize_name(filename.split("-", 1)[0])
        link = Link(filename, "https://x/" + filename, requires_python=">=3.10")
        base.judge(name, link)  # fills the caches the twin shares
        assert twin.evaluate(name, link) == fresh.evaluate(name, link), filename
        assert twin.may_fit(filename) == fresh.may_fit(filename)


def test_a_twin_shares_exactly_the_declared_variant_free_state() -> None:
    # An attribute added to LinkEvaluator must be declared variant-free (shared by
    # with_variant) or set by with_variant itself: this fails until that is decided.
    tags = supported_tags(parse_target("linux-x86_64"), "3.11")
    evaluator = LinkEvaluator("linux-x86_64", tags, "3.11.0", "cu126")
    assert set(vars(evaluator)) == {*LinkEvaluator._VARIANT_FREE, "variant"}
    twin = evaluator.with_variant("cpu")
    assert set(vars(twin)) == set(vars(evaluator))
    for name in LinkEvaluator._VARIANT_FREE:
        assert getattr(twin, name) is getattr(evaluator, name)
