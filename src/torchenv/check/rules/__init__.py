"""Every rule, by id. Each rule is a function ``(Context) -> Iterator[Diagnostic]``."""

from __future__ import annotations

from torchenv.check.context import Context
from torchenv.check.diagnostics import Diagnostic
from torchenv.check.rules import builds, conda, indexes, python

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from torchenv.check.rules.table import RULES, RuleInfo

__all__ = ["CHECKS", "RULES", "RuleInfo", "run_rules"]

CHECKS: dict[str, Callable[[Context], Iterator[Diagnostic]]] = {
    "TE001": builds.accelerator_for_platform,
    "TE002": builds.unknown_version,
    "TE003": builds.unpublished_variant,
    "TE004": builds.unpaired_companion,
    "TE005": builds.mixed_variants,
    "TE006": indexes.local_pin_without_index,
    "TE007": indexes.extra_index_url,
    "TE008": indexes.non_explicit_index,
    "TE009": indexes.unpinned_torch,
    "TE010": conda.cuda_with_cpuonly,
    "TE011": conda.deprecated_channel,
    "TE012": conda.cuda_not_built,
    "TE013": python.python_out_of_range,
    "TE015": builds.gpu_not_covered,
}


def run_rules(context: Context, codes: frozenset[str]) -> list[Diagnostic]:
    """Run the rules whose code is in ``codes`` (selection is applied before running)."""
    found: list[Diagnostic] = []
    for code, check in CHECKS.items():
        if code in codes:
            found.extend(check(context))
    return found


def __getattr__(name: str) -> Any:
    # The rule titles are only for --list-rules and docs: not imported on every check.
    if name in ("RULES", "RuleInfo"):
        from torchenv.check.rules import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
