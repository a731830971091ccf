"""Link and ProjectPage as records: values that compare, hash and pickle like values."""

from __future__ import annotations

import pickle

import pytest

from torchenv.index.models import Link, ProjectPage

URL = "https://files.test/demo-1.0-py3-none-any.whl"


def test_link_hash_ignores_its_mappings() -> None:
    link = Link("demo-1.0-py3-none-any.whl", URL, {"sha256": "ab"}, metadata_hashes={})
    same = Link("demo-1.0-py3-none-any.whl", URL, {"sha256": "ab"}, metadata_hashes={})
    assert link == same and hash(link) == hash(same)
    assert len({link, same}) == 1
    assert link != link._replace(hashes={"sha256": "cd"})
    assert link.sha256 == "ab" and link.is_wheel and link.has_metadata and not link.is_yanked
    assert link.metadata_url == URL + ".metadata"


def test_link_defaults() -> None:
    link = Link("demo-1.0.tar.gz", "https://files.test/demo-1.0.tar.gz")
    assert link.hashes == {} and link.sha256 is None
    assert (link.requires_python, link.yanked, link.metadata_hashes) == (None, None, None)
    assert not link.is_wheel and not link.has_metadata
    # Every link without hashes shares the default: it must not be writable.
    with pytest.raises(TypeError):
        link.hashes["sha256"] = "ab"  # type: ignore[index]
    assert Link("a.whl", "u", yanked="").is_yanked


def test_page_is_a_collection_of_links() -> None:
    wheel = Link("demo-1.0-py3-none-any.whl", URL, {"sha256": "ab"})
    sdist = Link("demo-1.0.tar.gz", "https://files.test/demo-1.0.tar.gz")
    page = ProjectPage("demo", "https://pypi.test/simple/demo/", (wheel, sdist))
    assert len(page) == 2 and len(ProjectPage("demo", "u")) == 0
    assert page.link("demo-1.0.tar.gz") is sdist and page.link("nope") is None
    assert page.wheels == (wheel,)
    assert page == ProjectPage("demo", "https://pypi.test/simple/demo/", (wheel, sdist))
    assert hash(page) == hash(ProjectPage(page.name, page.url, page.links))
    assert pickle.loads(pickle.dumps(page)) == page
    assert repr(wheel).startswith("Link(filename='demo-1.0-py3-none-any.whl', url=")


def test_link_without_hashes_pickles() -> None:
    link = Link("demo-1.0.tar.gz", "https://files.test/demo-1.0.tar.gz")
    copy = pickle.loads(pickle.dumps(link))
    assert copy == link and copy.hashes is link.hashes
    assert dict(link.hashes) == {} and repr(link.hashes) == "{}" and "sha256" not in link.hashes
