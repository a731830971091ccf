"""What the targets of one lock run compute once: evaluators and each page's verdicts.

A lock run resolves the same packages for four targets or more over one source. Each
target used to scan every file of every page (numpy lists ~370 files, for every
platform and Python) to find the dozen that fit it, :func:`prefetch_like` did the same
scan again for each later target, and every evaluator rebuilt its tag tables (714
tags for manylinux x86_64). :class:`PageFiles` groups a page's wheels once by platform
field, so a target checks a few dozen fields and then the tag text of the wheels left,
parsing no file name whose tags it cannot use; the verdicts it judges are kept per
evaluator, so :func:`prefetch_like` and the target's own resolution judge a file once.

The memo belongs to the source (:func:`run_memo`): a lock run's ``SharedSource`` lives
exactly as long as the run, so nothing is kept after it, and pages are matched by
identity (the source hands every target the same page object), never by hashing
thousands of links.
"""

from __future__ import annotations

import weakref
from typing import Optional

from packaging.utils import NormalizedName

from torchenv.index.models import Link, ProjectPage
from torchenv.resolve.evaluate import FileVerdict, LinkEvaluator
from torchenv.targets import Target, marker_environment, supported_tags

__all__ = ["PageFiles", "RunMemo", "run_memo"]


class PageFiles:
    """One page's wheels grouped by platform field, and the verdicts of each evaluator.

    A memo of pure functions of ``page.links``, not a value: verdicts are judged on
    first use, by :func:`prefetch_like` or by the provider, whichever asks first.
    """

    __slots__ = ("_by_platform", "_verdicts", "page")

    def __init__(self, page: ProjectPage) -> None:
        self.page = page
        # Platform field -> (position on the page, tag text) of each wheel with it.
        by_platform: dict[str, list[tuple[int, str]]] = {}
        for position, link in enumerate(page.links):
            filename = link.filename
            if not filename.endswith(".whl"):
                continue  # judge rejects every file that is not a wheel
            fields = filename[:-4].rsplit("-", 3)
            if len(fields) < 4:
                continue  # fewer than the four dashes of a wheel name: a bad file name
            # The name's tag_text() and its last field (the platform tags), from one split.
            entry = (position, f"{fields[1]}-{fields[2]}-{fields[3]}")
            group = by_platform.get(fields[3])
            if group is None:
                by_platform[fields[3]] = [entry]
            else:
                group.append(entry)
        self._by_platform = by_platform
        self._verdicts: dict[tuple[LinkEvaluator, str], tuple[FileVerdict, ...]] = {}

    def wheels_that_may_fit(self, evaluator: LinkEvaluator) -> list[Link]:
        """The wheels whose tags ``evaluator`` supports (``may_fit``), in page order.

        Every other file of the page is one ``judge`` rejects. The platform field
        decides most files a group at a time; the tag text of each remaining one is
        decided once per distinct text.
        """
        platform_fits, tags_fit = evaluator.platform_field_fits, evaluator.tag_text_fits
        positions = [
            position
            for field, group in self._by_platform.items()
            if platform_fits(field)
            for position, text in group
            if tags_fit(text)
        ]
        positions.sort()
        links = self.page.links
        return [links[position] for position in positions]

    def verdicts(self, evaluator: LinkEvaluator, name: NormalizedName) -> tuple[FileVerdict, ...]:
        """The files of project ``name`` that ``evaluator`` accepts, in page order.

        Exactly what judging every link of the page in order keeps. Page order
        matters: among files of one version with equally good tags the first listed
        wins.
        """
        key = (evaluator, name)
        verdicts = self._verdicts.get(key)
        if verdicts is None:
            judge = evaluator.judge
            verdicts = self._verdicts[key] = tuple(
                verdict
                for verdict in (judge(name, link) for link in self.wheels_that_may_fit(evaluator))
                if isinstance(verdict, FileVerdict)
            )
        return verdicts


class RunMemo:
    """The evaluators and page groups shared by every target resolved over one source."""

    def __init__(self) -> None:
        self._pages: dict[int, PageFiles] = {}
        self._evaluators: dict[tuple[Target, str, Optional[str]], LinkEvaluator] = {}

    def page_files(self, page: ProjectPage) -> PageFiles:
        """``page`` grouped once; keyed by identity (the entry keeps the page alive)."""
        files = self._pages.get(id(page))
        if files is None or files.page is not page:
            files = self._pages[id(page)] = PageFiles(page)
        return files

    def evaluator(self, target: Target, python: str, variant: Optional[str]) -> LinkEvaluator:
        """The evaluator for ``target`` and CPython ``python`` (``variant`` for the torch
        family, None for other projects), built once: its caches of tag-set ranks and
        Requires-Python checks then serve every resolution of that target."""
        key = (target, python, variant)
        evaluator = self._evaluators.get(key)
        if evaluator is None:
            if variant is not None:
                # The same tags and caches as the target's other evaluator.
                evaluator = self.evaluator(target, python, None).with_variant(variant)
            else:
                evaluator = LinkEvaluator(
                    str(target.platform),
                    supported_tags(target, python),
                    marker_environment(target, python)["python_full_version"],
                )
            self._evaluators[key] = evaluator
        return evaluator


# One memo per live source; a source that cannot be weakly referenced gets a fresh one
# each time (correct, only not shared).
_MEMOS: weakref.WeakKeyDictionary[object, RunMemo] = weakref.WeakKeyDictionary()


def run_memo(source: object) -> RunMemo:
    """The memo shared by everything resolved over ``source`` while it lives."""
    try:
        memo = _MEMOS.get(source)
        if memo is None:
            memo = _MEMOS[source] = RunMemo()
    except TypeError:  # not weakly referenceable, or unhashable
        return RunMemo()
    return memo
