"""`torchenv check`: validate PyTorch pins in the repository's files, offline."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to check (default: the repository's known files)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: 'path:line:col: CODE message (fix: hint)'; json: a list of records",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="only these rule codes or prefixes (comma-separated, repeatable): TE00,TE013",
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="print the rule codes with their names and exit",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip discovered files matching this glob (repeatable): 'tests/fixtures/*'",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="skip these rule codes or prefixes (comma-separated, repeatable)",
    )


def _codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def run(args: argparse.Namespace) -> int:
    import sys

    from torchenv.check.diagnostics import format_text, to_json
    from torchenv.check.runner import check_paths

    if args.list_rules:
        from torchenv.check.rules.table import RULES

        if args.json or args.format == "json":
            from torchenv.cli.output import print_json

            print_json([{"code": r.code, "name": r.name, "title": r.title} for r in RULES.values()])
        else:
            for rule in RULES.values():
                sys.stdout.write(f"{rule.code}  {rule.name:<38} {rule.title}\n")
        return 0
    report = check_paths(
        args.paths,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        exclude=args.exclude,
    )
    if args.json or args.format == "json":
        from torchenv.cli.output import print_json

        print_json(to_json(report.diagnostics))
        return report.exit_code
    if args.verbose:
        from torchenv.check.discover import kind_for

        for path in report.files:
            sys.stderr.write(f"torchenv check: read {path} ({kind_for(path) or 'unknown kind'})\n")
    color = not args.no_color and sys.stdout.isatty()
    if color:
        from torchenv.cli.output import color_enabled, paint

        color = color_enabled(sys.stdout)
    for diagnostic in report.diagnostics:
        line = format_text(diagnostic)
        if color:
            where, _, rest = line.partition(f": {diagnostic.code} ")
            code = paint(diagnostic.code, "red", enabled=True)
            line = f"{paint(where, 'bold', enabled=True)}: {code} {rest}"
        sys.stdout.write(line + "\n")
    if args.quiet < 1:
        count = len(report.diagnostics)
        files = len(report.files)
        checked = f"{files} file{'s' if files != 1 else ''}"
        summary = (
            f"{count} problem{'s' if count != 1 else ''} in {checked}"
            if count
            else f"{checked} checked, no problems"
        )
        sys.stderr.write(f"torchenv check: {summary}\n")
    return report.exit_code
