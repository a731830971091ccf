"""Conda rules: ``pytorch-cuda`` with ``cpuonly`` (TE010), the deprecated ``pytorch``
channel (TE011), a CUDA version the pinned pytorch was not built for (TE012)."""

from __future__ import annotations

from torchenv.check.context import Context
from torchenv.check.diagnostics import Diagnostic, make
from torchenv.check.model import Requirement
from torchenv.check.versions import conda_pin, release_tuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional

__all__ = ["cuda_not_built", "cuda_with_cpuonly", "deprecated_channel"]

_FAMILY = ("pytorch", "torchvision", "torchaudio", "pytorch-cuda", "cpuonly")
# The pytorch channel's last release (pytorch#138506: deprecated after 2.5).
_LAST_ON_CHANNEL = (2, 5)


def _conda(context: Context, *names: str) -> list[Requirement]:
    return list(context.requirements(*names, ecosystem="conda"))


def cuda_with_cpuonly(context: Context) -> Iterator[Diagnostic]:
    """TE010: both a CUDA and a CPU-only pytorch requested."""
    cuda = _conda(context, "pytorch-cuda", "pytorch-gpu")
    for cpuonly in _conda(context, "cpuonly", "pytorch-cpu"):
        if cuda:
            yield make(
                context.document.path,
                cpuonly.position,
                "TE010",
                f"{cpuonly.name} together with {cuda[0].name} (line {cuda[0].position.line}): "
                "conda cannot install a CUDA and a CPU-only pytorch at once",
                "keep one: a CPU environment file and a CUDA one, or drop cpuonly",
            )


def _from_pytorch_channel(context: Context, requirement: Requirement) -> bool:
    """Where conda takes ``pytorch`` from: a ``channel::`` prefix, else the first of the
    channels that carry it in priority order (conda-forge listed before pytorch wins)."""
    if requirement.source is not None:
        return requirement.source == "pytorch"
    for channel in context.document.channels:
        if channel.name == "pytorch":
            return True
        if channel.name in ("conda-forge", "defaults", "anaconda", "main"):
            return False
    return False


def deprecated_channel(context: Context) -> Iterator[Diagnostic]:
    """TE011: the pytorch channel for a torch after 2.5 (or unpinned, i.e. the newest),
    or its ``pytorch-cuda`` beside a pytorch that conda takes from another channel."""
    cuda = _conda(context, "pytorch-cuda")
    for requirement in _conda(context, "pytorch"):
        if not _from_pytorch_channel(context, requirement):
            for metapackage in cuda:
                yield make(
                    context.document.path,
                    metapackage.position,
                    "TE011",
                    "pytorch-cuda is a pytorch-channel package, but pytorch itself comes from "
                    "another channel (listed first): it does not make that pytorch a CUDA "
                    "build, and conda may install a CPU pytorch beside it",
                    "on conda-forge use pytorch-gpu (or cuda-version=12.x with pytorch=*=cuda*); "
                    "or take pytorch::pytorch explicitly for releases up to 2.5",
                )
            continue
        pin, _ = conda_pin(requirement.specifier)
        if pin is not None:
            try:
                if release_tuple(pin.version)[:2] <= _LAST_ON_CHANNEL:
                    continue
            except ValueError:
                continue
        wanted = f"pytorch {pin.version}" if pin else "an unpinned pytorch (the newest)"
        yield make(
            context.document.path,
            requirement.position,
            "TE011",
            f"{wanted} from the pytorch conda channel, which stopped after 2.5 (pytorch#138506)",
            "take pytorch from conda-forge (with cuda-version=12.x for CUDA), or from pip in "
            "the pip: section with the PyTorch --index-url",
        )


def _variant(version: str) -> Optional[str]:
    parts = version.strip("=").split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return f"cu{parts[0]}{parts[1]}"


def cuda_not_built(context: Context) -> Iterator[Diagnostic]:
    """TE012: ``pytorch-cuda=X.Y`` (or ``cuda-version`` on the pytorch channel) that the
    pinned pytorch release was never built for."""
    torches = _conda(context, "pytorch")
    if not torches:
        return
    release = context.pinned_release(torches[0])
    if release is None:
        return
    names = ["pytorch-cuda"]
    if _from_pytorch_channel(context, torches[0]):
        names.append("cuda-version")
    for requirement in _conda(context, *names):
        pin, _ = conda_pin(requirement.specifier)
        variant = _variant(pin.version) if pin else None
        if variant is None or release.variant(variant) is not None:
            continue
        cuda = [n for n in release.variant_names if n.startswith("cu")]
        yield make(
            context.document.path,
            requirement.position,
            "TE012",
            f"{requirement.name} {pin.version if pin else ''}: pytorch {release.version} was "
            f"never built for CUDA {pin.version if pin else ''} (built: {', '.join(cuda)})",
            f"use one of {', '.join(cuda)} (as {requirement.name}=X.Y)",
        )
