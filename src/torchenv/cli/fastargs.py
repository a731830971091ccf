"""Parse plain command lines without importing argparse.

``torchenv detect`` and ``torchenv check`` run on every shell start and every commit;
importing argparse (with ``re``'s enum machinery, gettext and locale) and building a
parser costs them about 5 ms, a third of a bare interpreter's start-up.

Commands still declare their options once, with ``add_argument`` calls. Here those calls
are recorded by :class:`OptionRecorder` and a command line is parsed only when it is
plainly well formed: exact option names, the value forms ``--opt value`` and
``--opt=value``, positionals in one run. Anything else (``--help``, an abbreviation, a
bad value, a declaration this module does not model) returns ``None`` and the caller
falls back to argparse, which then prints its usual help or error. So accepted command
lines give exactly argparse's result (``tests/test_cli_fastargs.py`` compares the two),
and every other one gets argparse's own behaviour.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Callable, Optional

__all__ = ["OptionRecorder", "ParsedArguments", "parse_plain"]

_SUPPORTED_ACTIONS = frozenset({"store", "store_true", "append", "extend", "count"})
_SUPPORTED_KEYS = frozenset(
    {"action", "type", "choices", "default", "metavar", "help", "nargs", "dest", "required"}
)


class ParsedArguments:
    """Attribute bag standing in for ``argparse.Namespace``."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"ParsedArguments({self.__dict__!r})"


class _Option:
    def __init__(
        self, dest: str, action: str, options: dict[str, Any], group: Optional[int] = None
    ) -> None:
        self.dest = dest
        self.action = action
        self.type: Optional[Callable[[str], Any]] = options.get("type")
        self.choices: Optional[Sequence[Any]] = options.get("choices")
        self.required = bool(options.get("required", False))
        self.nargs: Optional[str] = options.get("nargs")
        self.group = group
        if "default" in options:
            self.default: Any = options["default"]
        else:
            self.default = False if action == "store_true" else None

    @property
    def takes_value(self) -> bool:
        return self.action in ("store", "append", "extend")


class OptionRecorder:
    """Takes a command's ``add_argument`` calls in place of an argparse parser.

    Declarations beyond the modelled subset mark the recorder ``unsupported``; such a
    command always goes through argparse.
    """

    def __init__(self) -> None:
        self.options: dict[str, _Option] = {}
        self.ordered: list[_Option] = []
        self.positional: Optional[_Option] = None
        self.unsupported = False
        self._groups = 0

    def add_argument(self, *flags: str, group: Optional[int] = None, **options: Any) -> None:
        action = options.get("action", "store")
        if (
            not flags
            or not set(options) <= _SUPPORTED_KEYS
            or not isinstance(action, str)
            or action not in _SUPPORTED_ACTIONS
        ):
            self.unsupported = True
            return
        if not flags[0].startswith("-"):
            self._add_positional(flags, options, group)
            return
        if "nargs" in options or (action == "extend" and "type" not in options):
            # extend without a type extends by the characters of the string: not modelled.
            self.unsupported = True
            return
        long_flags = [flag for flag in flags if flag.startswith("--")]
        dest = options.get("dest") or (long_flags or list(flags))[0].lstrip("-").replace("-", "_")
        option = _Option(dest, action, options, group)
        self.ordered.append(option)
        for flag in flags:
            self.options[flag] = option

    def _add_positional(
        self, flags: tuple[str, ...], options: dict[str, Any], group: Optional[int]
    ) -> None:
        # The shapes torchenv uses: one ``*`` list or one ``?`` value of plain strings.
        nargs = options.get("nargs")
        if (
            len(flags) != 1
            or self.positional is not None
            or group is not None
            or nargs not in ("*", "?")
            or options.get("action", "store") != "store"
            or {"type", "choices", "dest", "required"} & set(options)
            or (nargs == "*" and "default" in options)
        ):
            self.unsupported = True
            return
        self.positional = _Option(flags[0], "store", options)
        self.ordered.append(self.positional)

    def add_mutually_exclusive_group(self, **options: Any) -> _GroupRecorder:
        if options.get("required"):
            self.unsupported = True
        self._groups += 1
        return _GroupRecorder(self, self._groups)

    def __getattr__(self, name: str) -> Callable[..., OptionRecorder]:
        # add_subparsers, set_defaults, add_argument_group …: not modelled, so the
        # command goes to argparse; the calls are absorbed so declaring still works.
        if name.startswith("__"):
            raise AttributeError(name)
        self.unsupported = True

        def absorb(*_args: Any, **_options: Any) -> OptionRecorder:
            nested = OptionRecorder()
            nested.unsupported = True
            return nested

        return absorb


class _GroupRecorder:
    """A mutually exclusive group: its options, tagged with the group they belong to."""

    def __init__(self, recorder: OptionRecorder, group: int) -> None:
        self._recorder = recorder
        self._group = group

    def add_argument(self, *flags: str, **options: Any) -> None:
        self._recorder.add_argument(*flags, group=self._group, **options)


def parse_plain(
    command: str, arguments: Sequence[str], recorder: OptionRecorder
) -> Optional[ParsedArguments]:
    """``arguments`` (after the command name) parsed, or ``None``: let argparse do it."""
    if recorder.unsupported:
        return None
    values: dict[str, Any] = {"command": command}
    for declared in recorder.ordered:
        if declared is recorder.positional and declared.nargs == "*":
            values[declared.dest] = []
        else:
            values[declared.dest] = declared.default
    seen: set[_Option] = set()
    positionals: list[str] = []
    positional_runs = 0
    previous_positional = False
    position = 0
    while position < len(arguments):
        token = arguments[position]
        position += 1
        if not token.startswith("-") or token == "-":
            if not previous_positional:
                positional_runs += 1
            previous_positional = True
            positionals.append(token)
            continue
        previous_positional = False
        name, equals, inline = token.partition("=")
        option = recorder.options.get(name if equals and token.startswith("--") else token)
        if option is None:
            return None
        seen.add(option)
        if not option.takes_value:
            if equals:
                return None
            if option.action == "store_true":
                values[option.dest] = True
            else:
                values[option.dest] = (values[option.dest] or 0) + 1
            continue
        if equals:
            raw = inline
        else:
            if position >= len(arguments) or arguments[position].startswith("-"):
                return None
            raw = arguments[position]
            position += 1
        value = _converted(option, raw)
        if value is _INVALID:
            return None
        if option.action == "append":
            # argparse copies the default list before appending to it; so must we.
            values[option.dest] = [*(values[option.dest] or ()), value]
        elif option.action == "extend":
            values[option.dest] = [*(values[option.dest] or ()), *value]
        else:
            values[option.dest] = value
    if not _fits(recorder, seen, positionals, positional_runs):
        return None
    if positionals:
        assert recorder.positional is not None
        single = recorder.positional.nargs == "?"
        values[recorder.positional.dest] = positionals[0] if single else positionals
    return ParsedArguments(values)


def _fits(recorder: OptionRecorder, seen: set[_Option], positionals: list[str], runs: int) -> bool:
    """No error argparse would report: required options, exclusive groups, positionals."""
    if any(option.required and option not in seen for option in recorder.ordered):
        return False
    groups = [option.group for option in seen if option.group is not None]
    if len(groups) != len(set(groups)):
        return False  # two options of one mutually exclusive group
    if not positionals:
        return True
    # argparse consumes a positional once; a second run of them is its error.
    if recorder.positional is None or runs > 1:
        return False
    return recorder.positional.nargs == "*" or len(positionals) == 1


_INVALID = object()


def _converted(option: _Option, raw: str) -> Any:
    value: Any = raw
    if option.type is not None:
        try:
            value = option.type(raw)
        except (TypeError, ValueError):
            return _INVALID
    if option.choices is not None and value not in option.choices:
        return _INVALID
    return value
