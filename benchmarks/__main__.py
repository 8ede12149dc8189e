"""``python -m benchmarks [NAME ...] [--quick] [--json FILE]`` — print a table of figures."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import SUITES
from .harness import Result, table, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"suites to run (default: all): {', '.join(SUITES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute in all")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SUITES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    results: list[Result] = []
    for name in args.names or list(SUITES):
        print(f"running {name}{' (quick)' if args.quick else ''} …", file=sys.stderr, flush=True)
        results.extend(importlib.import_module(SUITES[name]).run(quick=args.quick))
    print(table(results))
    if args.json:
        write_json(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
