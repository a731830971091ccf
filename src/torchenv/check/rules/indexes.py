"""Rules about where torch comes from: a +local pin with no index (TE006), the PyTorch
index merged with ``--extra-index-url`` (TE007), a PyTorch source any package may
come from (TE008), and a PyTorch index with torch left unpinned (TE009)."""

from __future__ import annotations

from torchenv.check.context import Context, pytorch_index
from torchenv.check.diagnostics import Diagnostic, make
from torchenv.check.model import IndexRef

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["extra_index_url", "local_pin_without_index", "non_explicit_index", "unpinned_torch"]

_PYPI_HOSTS = ("pypi.org", "pypi.python.org", "files.pythonhosted.org")


def redact_url(url: str) -> str:
    """Credentials never reach the output (urllib is imported only when needed)."""
    if "@" not in url:
        return url
    from torchenv.urls import redact_url as redact

    return redact(url)


def _is_default(index: IndexRef) -> bool:
    host = index.url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].lower()
    return host in _PYPI_HOSTS


def local_pin_without_index(context: Context) -> Iterator[Diagnostic]:
    """TE006: ``torch==2.7.0+cu128`` where no index or find-links can serve local builds."""
    path = context.document.path
    for requirement in context.requirements():
        pin = context.pin(requirement)
        if pin is None or not pin.local or requirement.url:
            continue
        indexes = context.indexes(requirement.scope)
        if requirement.source is not None:
            served = any(requirement.source in (i.name, i.url) for i in indexes)
        elif context.pdm_source(requirement) is not None:
            served = True
        else:
            # Sources reached only by name (uv/Poetry explicit, PDM include_packages)
            # do not serve a requirement that is not routed to them.
            served = any(
                not _is_default(index) and not (index.role == "source" and index.explicit)
                for index in indexes
            )
        if served:
            continue
        yield make(
            path,
            requirement.position,
            "TE006",
            f"{requirement.name}=={pin.version}+{pin.local} is a local build that PyPI never "
            "serves, and no index or find-links here provides it",
            f"add the PyTorch index for {pin.local} (explicit, torch only), or drop '+{pin.local}'",
        )


def extra_index_url(context: Context) -> Iterator[Diagnostic]:
    """TE007: the PyTorch index merged with the default one (dependency confusion)."""
    for index in context.document.indexes:
        if index.role != "extra-index-url" or pytorch_index(index.url) is None:
            continue
        yield make(
            context.document.path,
            index.position,
            "TE007",
            f"PyTorch index {redact_url(index.url)} added with extra-index-url: pip merges it "
            "with PyPI, so any package may come from either (the Dec-2022 torchtriton "
            "dependency-confusion route)",
            "use --index-url for a torch-only file, or an explicit per-package index "
            "(uv: explicit = true + [tool.uv.sources])",
        )


def non_explicit_index(context: Context) -> Iterator[Diagnostic]:
    """TE008: a named PyTorch source that every package may be resolved from."""
    for index in context.document.indexes:
        if index.role != "source" or index.explicit is not False:
            continue
        if pytorch_index(index.url) is None:
            continue
        how = {
            "uv": "set explicit = true in its [[tool.uv.index]] and route torch with "
            "[tool.uv.sources]",
            "poetry": 'set priority = "explicit" and give torch source = "<name>"',
            "pdm": 'set include_packages = ["torch", "torchvision", "torchaudio"]',
        }.get(index.tool, "make it explicit for the torch family only")
        yield make(
            context.document.path,
            index.position,
            "TE008",
            f"PyTorch index {redact_url(index.url)} ({index.tool} source "
            f"{index.name or '?'}) is not explicit: packages other than torch may resolve "
            "from it",
            how,
        )


def unpinned_torch(context: Context) -> Iterator[Diagnostic]:
    """TE009: torch routed to a PyTorch index without an exact version."""
    for requirement in context.requirements("torch"):
        route = context.route(requirement)
        if route is None or route.origin not in ("index", "source") or route.index_ref is None:
            continue
        if pytorch_index(route.index_ref.url) is None:
            continue
        if context.pin(requirement) is not None or requirement.url:
            continue
        yield make(
            context.document.path,
            requirement.position,
            "TE009",
            f"torch is not pinned while it comes from the PyTorch index "
            f"{redact_url(route.index_ref.url)}: each install takes that index's newest build, so "
            "teammates drift apart",
            "pin torch==<version> (and its torchvision/torchaudio pair), or lock with "
            "torchenv lock",
        )
