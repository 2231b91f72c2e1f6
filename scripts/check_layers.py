#!/usr/bin/env python3
"""Checks the layers of harness/ (docs/architecture.md, "Layers") from the
#include lines of its C files, and exits 1 naming every arrow that breaks one.

- The core (harness/core) never includes upward; the derivations
  (harness/derive) include the core and the backend interface (backend.h)
  only, never a backend, the driver or the runner.
- No TLS library header (<openssl/...>, <wolfssl/...>) outside harness/backends.
- The runner (harness/runner) never includes a backend, the driver, or the
  session interface: it asks drivers, it never links a TLS library.
- Inside the runner, a folder includes only itself and the folders below it:
  drivers < judge < wire < cases, vectors < reports < commands.
- No include cycle among the modules of any folder (a module is NAME.c with
  NAME.h): the layers could be kept while two modules lean on each other.

Usage: check_layers.py [HARNESS_DIR]   (default: the harness/ beside scripts/)
"""
import os
import re
import sys

RUNNER_RANKS = {"drivers": 1, "judge": 2, "wire": 3, "cases": 4, "vectors": 4, "reports": 5, "commands": 6}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
TLS_HEADER = re.compile(r"^(openssl|wolfssl)/")


def sources(harness):
    """Every .c and .h below harness, as paths relative to it."""
    for root, _dirs, files in os.walk(harness):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(root, name), harness)


def resolve(harness, source, target):
    """The harness-relative path a quoted include names: beside the source first, then from harness/."""
    beside = os.path.normpath(os.path.join(os.path.dirname(source), target))
    if os.path.exists(os.path.join(harness, beside)):
        return beside
    if os.path.exists(os.path.join(harness, target)):
        return os.path.normpath(target)
    return None


def part(path):
    """(area, folder): ("core", ""), ("runner", "cases"), ("session", "") for harness/session.h ..."""
    pieces = path.split(os.sep)
    if len(pieces) == 1:
        return (os.path.splitext(pieces[0])[0], "")
    if pieces[0] == "runner" and len(pieces) > 2:
        return ("runner", pieces[1])
    return (pieces[0], "")


def module(path):
    return os.path.splitext(path)[0]


def find_cycle(graph):
    """One cycle of the directed graph (dict node -> set of nodes) as a list, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for succ in sorted(graph.get(node, ())):
            if state.get(succ) == 1:
                return stack[stack.index(succ):] + [succ]
            if succ not in state:
                found = visit(succ)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def check(harness):
    """The list of broken rules, each a sentence naming the file and the include."""
    problems = []
    modules = {}
    for source in sources(harness):
        with open(os.path.join(harness, source), encoding="utf-8") as f:
            text = f.read()
        area, folder = part(source)
        for kind, target in INCLUDE.findall(text):
            where = "%s includes %s%s%s" % (source, kind, target, '"' if kind == '"' else ">")
            if kind == "<":
                if TLS_HEADER.match(target) and area != "backends":
                    problems.append("%s: a TLS library header outside harness/backends" % where)
                continue
            resolved = resolve(harness, source, target)
            if resolved is None:
                problems.append("%s: no such file in harness/" % where)
                continue
            to_area, to_folder = part(resolved)
            if area == "core" and to_area != "core":
                problems.append("%s: the core includes upward (%s)" % (where, to_area))
            if area == "derive" and to_area not in ("core", "derive", "backend"):
                problems.append("%s: the derivations include upward (%s)" % (where, to_area))
            if area == "runner" and to_area in ("backends", "driver", "session", "backend"):
                problems.append("%s: the runner never reaches a TLS library or a driver's code" % where)
            if area == "runner" and to_area == "runner" and folder != to_folder:
                if folder not in RUNNER_RANKS or to_folder not in RUNNER_RANKS:
                    problems.append("%s: runner/%s is not a known layer" % (where, folder or to_folder))
                elif RUNNER_RANKS[to_folder] >= RUNNER_RANKS[folder]:
                    problems.append("%s: runner/%s may only include the layers below it" % (where, folder))
            if module(source) != module(resolved):
                modules.setdefault(module(source), set()).add(module(resolved))
    cycle = find_cycle(modules)
    if cycle:
        problems.append("include cycle among modules: %s" % " -> ".join(cycle))
    return problems


def main(argv):
    harness = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness")
    problems = check(os.path.normpath(harness))
    for p in problems:
        print("check_layers: " + p, file=sys.stderr)
    if problems:
        print("check_layers: %d arrow(s) break the layers of docs/architecture.md" % len(problems), file=sys.stderr)
        return 1
    print("check_layers: the layers hold (core, derive, backends, driver, runner: %s)" %
          " < ".join(sorted(RUNNER_RANKS, key=RUNNER_RANKS.get)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
