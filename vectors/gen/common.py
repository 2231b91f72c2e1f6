"""Shared plumbing of the vector generator: hashes, deterministic inputs,
anchor checks, the Wycheproof file layout and JSON rendering.

Nothing here computes a derivation; each derivation has its own module.
"""
import hashlib
import json
import re

# Written into every test group's "source" (Wycheproof v1 puts the generator there and deprecates the
# file-level generatorVersion). 2.0.0: the v1 layout; the tests themselves are those of 1.1.0.
GENERATOR_VERSION = "2.0.0"
SOURCE_NAME = "kxconform vectors/gen"

HASHES = {
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}

BUG_TYPES = ("BASIC", "EDGE_CASE", "WRONG_PRIMITIVE", "MODIFIED_PARAMETER", "MISSING_STEP")


def hash_len(hash_name):
    return HASHES[hash_name]().digest_size


def block_len(hash_name):
    return HASHES[hash_name]().block_size


def det_bytes(name, n):
    """n bytes that depend only on name: SHA-256 in counter mode."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(("%s|%d" % (name, counter)).encode("utf-8")).digest()
        counter += 1
    return out[:n]


def det_source(*names):
    """d(tag, n): n bytes that depend only on names and tag (det_bytes of "prf|SHA-256|tag"), one
    source per file and group so that adding a test elsewhere changes none of these."""
    prefix = "|".join(names)
    return lambda tag, n: det_bytes("%s|%s" % (prefix, tag), n)


class AnchorMismatch(Exception):
    """A known answer computed by others is not reproduced: stop."""


def check_anchor(name, expected, computed):
    if expected != computed:
        raise AnchorMismatch(
            "anchor %s does not match\n  published: %s\n  computed:  %s" % (name, expected, computed))


class VectorFile:
    """Collects groups and tests; numbers them and checks flags on finish()."""

    def __init__(self, filename, algorithm, schema, header, notes):
        for flag, note in notes.items():
            if note["bugType"] not in BUG_TYPES:
                raise ValueError("%s: flag %s has bugType %s" % (filename, flag, note["bugType"]))
        self.filename = filename
        self.algorithm = algorithm
        self.schema = schema
        self.header = list(header)
        self.notes = notes
        self.groups = []

    def group(self, group_type, **params):
        group = {"type": group_type, "source": {"name": SOURCE_NAME, "version": GENERATOR_VERSION}}
        group.update(params)
        group["tests"] = []
        self.groups.append(group)
        return group

    def hash_groups(self, group_type, hash_names):
        """A group of group_type per hash, in order: yields (hash_name, group)."""
        for hash_name in hash_names:
            yield hash_name, self.group(group_type, hash=hash_name)

    def add(self, group, comment, flags, result, fields, extra=None):
        """fields: inputs and outputs in order; extra: variant/reading/error."""
        for flag in flags:
            if flag not in self.notes:
                raise ValueError("%s: flag %s not in notes" % (self.filename, flag))
        if result not in ("valid", "acceptable", "invalid"):
            raise ValueError(result)
        test = {"tcId": 0, "comment": comment, "flags": list(flags)}
        test.update(fields)
        if extra:
            test.update(extra)
        test["result"] = result
        group["tests"].append(test)
        return test

    def finish(self):
        used = []
        tc_id = 0
        for group in self.groups:
            for test in group["tests"]:
                tc_id += 1
                test["tcId"] = tc_id
                for flag in test["flags"]:
                    if flag not in used:
                        used.append(flag)
        unused = [flag for flag in self.notes if flag not in used]
        if unused:
            raise ValueError("%s: notes never used: %s" % (self.filename, ", ".join(unused)))
        return {
            "algorithm": self.algorithm,
            "schema": self.schema,
            "numberOfTests": tc_id,
            "header": self.header,
            "notes": self.notes,
            "testGroups": self.groups,
        }


# What a note's "links" may name (docs/vectors.md, "Notes"): a clause of a oneM2M document, a section
# of an RFC, Unicode's normalisation annex, or where the harness's spec index (../shared/spec/README.md)
# states a reading (its numbered ambiguous points) or a fact taken from other oneM2M texts.
LINK = re.compile(r"(oneM2M (TS-0001|TS-0003|TR-0038) [0-9A-Z]+(\.[0-9]+)*"
                  r"|RFC [1-9][0-9]* [0-9A-Z]+(\.[0-9]+)*"
                  r"|Unicode UAX #15"
                  r"|kxconform spec (point [1-9][0-9]*|facts))")


def note(bug_type, description, effect, links):
    """A flag's note in Wycheproof v1's form: what the flagged tests hold (description), what an
    implementation that fails them gets wrong in a deployment (effect), and the clauses the flag is
    about (links). No published vulnerability is one of these mistakes, so no note has v1's cves."""
    if not effect or not effect.endswith("."):
        raise ValueError("note effect %r: one or more sentences" % effect)
    if not links or len(set(links)) != len(links) or not all(LINK.fullmatch(link) for link in links):
        raise ValueError("note links %r: each one of the forms of common.LINK, none twice" % (links,))
    return {"bugType": bug_type, "description": description, "effect": effect, "links": list(links)}


def render(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
