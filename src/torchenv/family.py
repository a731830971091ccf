"""The torch family: packages that must come from the PyTorch index of one variant.

Everything in this set is routed to the chosen PyTorch index and only there; every
other package comes from the default index and only there. Keeping the two disjoint is
the defence against dependency confusion (the Dec-2022 ``torchtriton`` attack came
through ``--extra-index-url`` merging the two).
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["PAIRED", "TORCH_FAMILY", "is_torch_family", "torch_family"]

TORCH_FAMILY: frozenset[str] = frozenset(
    {
        "torch",
        "torchvision",
        "torchaudio",
        "torchtext",
        "torchdata",
        "torchao",
        "torchcodec",
        "torchrec",
        "torchtune",
        "torch-tensorrt",
        "triton",
        "pytorch-triton",
        "pytorch-triton-rocm",
        "pytorch-triton-xpu",
        "xformers",
        "fbgemm-gpu",
        "fbgemm-gpu-genai",
    }
)

# Packages whose version is tied one-to-one to torch's (the knowledge base has the table).
PAIRED: frozenset[str] = frozenset({"torchvision", "torchaudio"})


def torch_family(extra: Iterable[str] = (), exclude: Iterable[str] = ()) -> frozenset[str]:
    """The family, widened or narrowed by ``[tool.torchenv] torch-family`` settings."""
    add = {canonicalize_name(n) for n in extra}
    remove = {canonicalize_name(n) for n in exclude}
    return frozenset((TORCH_FAMILY | add) - remove)


def is_torch_family(name: str, family: frozenset[str] = TORCH_FAMILY) -> bool:
    return canonicalize_name(name) in family
