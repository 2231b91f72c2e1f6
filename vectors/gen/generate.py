#!/usr/bin/env python3
"""Writes or checks the harness's test vectors (docs/vectors.md).

  generate.py --out vectors     write every vector file into vectors/
  generate.py --check vectors   regenerate in memory; exit 1 naming each file
                                that differs from the one in vectors/

Standard library only; shares no code with the C harness.
"""
import sys

sys.dont_write_bytecode = True  # keep vectors/gen free of __pycache__

import argparse  # noqa: E402
import os  # noqa: E402

import common  # noqa: E402
import e2e  # noqa: E402
import enrolment  # noqa: E402
import exporter  # noqa: E402
import hkdf  # noqa: E402
import keyid  # noqa: E402
import prf  # noqa: E402

BUILDERS = [prf.build, exporter.build, keyid.build, e2e.build, enrolment.build, hkdf.build]


def generate():
    """{file name: file text} for every vector file."""
    files = {}
    for build in BUILDERS:
        name, obj = build()
        files[name] = common.render(obj)
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out", metavar="DIR", help="write the vector files into DIR")
    mode.add_argument("--check", metavar="DIR", help="compare the vector files in DIR with the generator's")
    args = parser.parse_args(argv)
    try:
        files = generate()
    except common.AnchorMismatch as exc:
        print("generate.py: %s" % exc, file=sys.stderr)
        return 2
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for name, text in sorted(files.items()):
            with open(os.path.join(args.out, name), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        return 0
    differing = []
    for name, text in sorted(files.items()):
        path = os.path.join(args.check, name)
        try:
            with open(path, encoding="utf-8", newline="") as f:
                committed = f.read()
        except FileNotFoundError:
            print("generate.py --check: %s is missing" % path, file=sys.stderr)
            differing.append(name)
            continue
        if committed != text:
            print("generate.py --check: %s differs from the generator's output" % path, file=sys.stderr)
            differing.append(name)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
