"""The rule table: stable ids, one-line titles (docs/check.md mirrors this)."""

from __future__ import annotations

from torchenv._record import Record

__all__ = ["RULES", "RuleInfo"]


class RuleInfo(Record):
    code: str
    name: str
    title: str


RULES: dict[str, RuleInfo] = {
    info.code: info
    for info in (
        RuleInfo("TE000", "unreadable-input", "a file that cannot be read or parsed"),
        RuleInfo(
            "TE001",
            "accelerator-for-platform-without-one",
            "a CUDA/ROCm/XPU build, index or image reaches a platform that has no such wheels",
        ),
        RuleInfo(
            "TE002", "unknown-version", "a torch/torchvision/torchaudio version never released"
        ),
        RuleInfo(
            "TE003", "unpublished-variant", "a torch release pinned with a variant never built"
        ),
        RuleInfo(
            "TE004", "unpaired-companion", "torchvision/torchaudio not paired with the torch pin"
        ),
        RuleInfo(
            "TE005", "mixed-variants", "torchvision/torchaudio from a different variant than torch"
        ),
        RuleInfo("TE006", "local-pin-without-index", "a +local pin with no index that serves it"),
        RuleInfo("TE007", "extra-index-url", "the PyTorch index added with --extra-index-url"),
        RuleInfo("TE008", "non-explicit-index", "a PyTorch index source that is not explicit"),
        RuleInfo("TE009", "unpinned-torch", "a PyTorch index with no torch version pin"),
        RuleInfo("TE010", "cuda-with-cpuonly", "conda: pytorch-cuda together with cpuonly"),
        RuleInfo(
            "TE011",
            "pytorch-channel",
            "conda: the pytorch channel after 2.5, or pytorch-cuda beside another pytorch",
        ),
        RuleInfo(
            "TE012", "cuda-not-built", "conda: a CUDA version the pinned pytorch was not built for"
        ),
        RuleInfo(
            "TE013", "python-out-of-range", "a Python version outside the torch release's range"
        ),
        RuleInfo("TE014", "stale-lock", "a pylock file whose inputs changed since it was written"),
        RuleInfo("TE015", "gpu-not-covered", "a CUDA build without kernels for a target GPU"),
    )
}
