"""Checks on the committed test vectors (docs/vectors.md):

(a) every vectors/*.json validates against the JSON Schema its `schema` field
    names, and that schema exists; the schemas share definitions through
    vectors/schemas/common.json ("$ref": "common.json#/definitions/...");
(b) numberOfTests, tcIds, flags and notes are consistent;
(c) the committed files are exactly what vectors/gen/generate.py produces;
(d) corrupted copies are caught by (a), (b) and (c).

Run with: /usr/bin/python3 -m pytest suites
"""
import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "requirements" / "spec"  # the copy of ../shared/spec that test_requirements keeps equal
VECTORS = ROOT / "vectors"
SCHEMAS = VECTORS / "schemas"
GENERATOR = VECTORS / "gen" / "generate.py"

EXPECTED_FILES = {
    "tls12_prf_test.json": "tls12_prf_test_schema_v1.json",
    "onem2m_exporter_test.json": "onem2m_exporter_test_schema_v1.json",
    "keyid_test.json": "keyid_test_schema_v1.json",
    "e2e_derivation_test.json": "e2e_derivation_test_schema_v1.json",
    "enrolment_derivation_test.json": "enrolment_derivation_test_schema_v1.json",
    "hkdf_test.json": "hkdf_test_schema_v1.json",
}
COMMON = "common.json"

VECTOR_FILES = sorted(VECTORS.glob("*.json"))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator_for(name, schema_dir=SCHEMAS):
    """A validator of the schema file name whose references to common.json (and any other file of
    schema_dir) resolve to schema_dir's files. Debian 12's jsonschema (4.10) resolves them with a
    RefResolver: every schema of the folder is put in its store under its file URI, and the base URI
    is the schema's own, so "common.json#/definitions/Source" never leaves the folder."""
    store = {path.resolve().as_uri(): load(path) for path in schema_dir.glob("*.json")}
    base = (schema_dir / name).resolve().as_uri()
    schema = store[base]
    jsonschema.Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def schema_errors(data, schema_dir=SCHEMAS):
    """Messages of every schema violation; a missing schema is one violation."""
    name = data.get("schema") if isinstance(data, dict) else None
    if not isinstance(name, str) or "/" in name or name == COMMON or not (schema_dir / name).is_file():
        return ["schema %r does not exist in %s" % (name, schema_dir)]
    validator = validator_for(name, schema_dir)
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in validator.iter_errors(data)]


def consistency_errors(data):
    """numberOfTests, tcIds, flags vs notes: the rules a JSON Schema cannot state."""
    errors = []
    tests = [t for g in data["testGroups"] for t in g["tests"]]
    if data["numberOfTests"] != len(tests):
        errors.append("numberOfTests %d but %d tests" % (data["numberOfTests"], len(tests)))
    ids = [t["tcId"] for t in tests]
    if len(set(ids)) != len(ids):
        errors.append("duplicate tcIds")
    if sorted(ids) != list(range(1, len(ids) + 1)):
        errors.append("tcIds do not count from 1 to the number of tests")
    used = {flag for t in tests for flag in t["flags"]}
    for flag in sorted(used - set(data["notes"])):
        errors.append("flag %s not defined in notes" % flag)
    for flag in sorted(set(data["notes"]) - used):
        errors.append("note %s never used" % flag)
    return errors


def run_check(directory):
    return subprocess.run([sys.executable, str(GENERATOR), "--check", str(directory)],
                          capture_output=True, text=True, timeout=60)


# ---- (a) schemas ---------------------------------------------------------


def test_all_vector_files_present():
    names = {p.name for p in VECTOR_FILES}
    assert len(VECTOR_FILES) >= 6, names
    missing = set(EXPECTED_FILES) - names
    assert not missing, "vector files missing: %s" % sorted(missing)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_named_schema_exists(path):
    name = load(path).get("schema")
    assert isinstance(name, str) and (SCHEMAS / name).is_file(), \
        "%s names schema %r, which is not in vectors/schemas" % (path.name, name)
    if path.name in EXPECTED_FILES:
        assert name == EXPECTED_FILES[path.name]


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_validates_against_schema(path):
    errors = schema_errors(load(path))
    assert not errors, "\n".join(errors[:20])


def refs(node):
    """Every "$ref" value in a schema, in document order."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_schema_files_are_v1_and_common():
    """Wycheproof v1's naming: one *_test_schema_v1.json per vector file, and common.json."""
    names = sorted(p.name for p in SCHEMAS.glob("*.json"))
    assert names == sorted(set(EXPECTED_FILES.values()) | {COMMON})


@pytest.mark.parametrize("name", sorted(set(EXPECTED_FILES.values())))
def test_schema_takes_source_and_notes_from_common(name):
    """Each schema references the shared definitions, and every reference resolves."""
    schema = load(SCHEMAS / name)
    found = refs(schema)
    assert "common.json#/definitions/Source" in found and "common.json#/definitions/Notes" in found, found
    assert schema["properties"]["notes"] == {"$ref": "common.json#/definitions/Notes"}
    group = schema["properties"]["testGroups"]["items"]
    assert "source" in group["required"] and "generatorVersion" not in schema["properties"]
    for file_name in (name, COMMON):  # common.json's own references are relative to it
        resolver = validator_for(file_name).resolver
        for ref in refs(load(SCHEMAS / file_name)):
            resolver.resolve(ref)  # raises RefResolutionError when the target is missing


def generator_version():
    text = (GENERATOR.parent / "common.py").read_text(encoding="utf-8")
    return re.search(r'^GENERATOR_VERSION = "([^"]+)"$', text, re.M).group(1)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_every_group_names_its_source(path):
    """v1 puts the generator in each group's "source" and deprecates the file-level generatorVersion."""
    data = load(path)
    assert "generatorVersion" not in data
    for group in data["testGroups"]:
        assert group["source"] == {"name": "kxconform vectors/gen", "version": generator_version()}, group["type"]


# Which files of the specification hold each oneM2M document's clauses (../shared/spec/README.md).
SPEC_FILES = {"TS-0003": ("000_", "001_", "002_"), "TS-0001": ("004_",), "TR-0038": ("003_",)}


def spec_text(document):
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SPEC.glob("*.txt"))
                     if p.name.startswith(SPEC_FILES[document]))


def link_problem(link):
    """Why a note's link names nothing the specification holds, or None. A oneM2M clause must head a
    clause of that document's text (a line that starts with it) or, for TS-0003 clauses outside the
    CRs, be cited as "clause X of TS-0003" by another text; a spec point must be a numbered point of
    the index and "facts" its section of facts. RFC and Unicode links are checked by their form only
    (common.json's pattern): their texts are not here."""
    match = re.fullmatch(r"oneM2M (TS-0001|TS-0003|TR-0038) (\S+)", link)
    if match:
        document, clause = match.groups()
        heading = re.compile(r"^(\[bookmark:[^\]]*\])*%s(\s|$)" % re.escape(clause), re.M)
        cited = "clause %s of %s" % (clause, document)
        all_text = "\n".join(p.read_text(encoding="utf-8") for p in SPEC.glob("*.txt"))
        if heading.search(spec_text(document)) or cited in all_text:
            return None
        return "%s: no clause %s in the %s texts of %s" % (link, clause, document, SPEC)
    index = (SPEC / "README.md").read_text(encoding="utf-8")
    match = re.fullmatch(r"kxconform spec point ([0-9]+)", link)
    if match:
        return None if re.search(r"^%s\. \*\*" % match.group(1), index, re.M) else "%s: no such point" % link
    if link == "kxconform spec facts":
        return None if "\n## Facts from other oneM2M texts" in index else "%s: no facts section" % link
    return None if re.fullmatch(r"RFC [0-9]+ \S+|Unicode UAX #15", link) else "%s: unknown form" % link


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_every_note_says_its_effect_and_links_clauses_that_exist(path):
    problems = []
    for flag, note in load(path)["notes"].items():
        if not note.get("effect") or not note.get("links"):
            problems.append("%s: no effect or no links" % flag)
        problems += ["%s: %s" % (flag, p) for p in map(link_problem, note.get("links", [])) if p]
    assert not problems, "\n".join(problems)


def test_link_check_finds_clauses_that_do_not_exist():
    assert link_problem("oneM2M TS-0003 10.3.6.1") is None
    assert link_problem("oneM2M TS-0003 10.3.5") is None  # cited by TR-0038 A.4
    assert link_problem("oneM2M TR-0038 A.4") is None
    assert link_problem("kxconform spec point 13") is None
    assert link_problem("oneM2M TS-0003 10.3.7")  # TS-0003 clause no text holds or cites
    assert link_problem("oneM2M TR-0038 10.3.1")  # a TS-0003 clause given to TR-0038
    assert link_problem("oneM2M TS-0001 10.3.1")
    assert link_problem("kxconform spec point 99")
    assert link_problem("TS-0003 10.3.1")


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.name)
def test_schema_is_draft_2020_12(path):
    schema = load(path)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


# ---- (b) consistency -----------------------------------------------------


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_counts_ids_flags_and_notes(path):
    errors = consistency_errors(load(path))
    assert not errors, "\n".join(errors)


# ---- (c) the generator reproduces the committed files --------------------


def test_generator_check_passes():
    proc = run_check(VECTORS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- (d) negative tests: the checks above can fail -----------------------


def _first_test(data, predicate=lambda t: True):
    for group in data["testGroups"]:
        for test in group["tests"]:
            if predicate(test):
                return test
    raise AssertionError("no test matches")


def _upper_hex(data):
    test = _first_test(data, lambda t: "output" in t)
    test["output"] = test["output"].upper()


def _drop_variant(data):
    test = _first_test(data, lambda t: t["result"] == "invalid")
    del test["variant"]


def _extra_property(data):
    _first_test(data)["extra"] = 1


def _short_key_id(data):
    test = _first_test(data)
    test["keyId"] = test["keyId"][:-2]


def _bad_bug_type(data):
    next(iter(data["notes"].values()))["bugType"] = "SOMETHING_ELSE"


def _reading_on_invalid(data):
    test = _first_test(data, lambda t: t["result"] == "invalid")
    test["reading"] = "reference"


def _acceptable_reference(data):
    test = _first_test(data, lambda t: t["result"] == "acceptable")
    test["reading"] = "reference"


def _wrong_e2e_length(data):
    group = next(g for g in data["testGroups"] if g["hash"] == "SHA-512")
    group["tests"][0]["t1"] = group["tests"][0]["t1"][:64]


def _variant_without_flag(data):
    test = _first_test(data, lambda t: t["result"] == "invalid")
    test["flags"] = []


def _wrong_hash_with_group_length(data):
    """A wrong-hash test must have the other hash's length, not its group's."""
    group = next(g for g in data["testGroups"] if g["hash"] == "SHA-256")
    test = next(t for t in group["tests"] if t.get("variant") == "wrong-hash")
    test["t2"] = test["t2"][:64]


def _truncated_in_sha256_group(data):
    group = next(g for g in data["testGroups"] if g["hash"] == "SHA-256")
    test = next(t for t in group["tests"] if t["result"] == "invalid")
    test["variant"], test["flags"] = "truncated", ["Truncated"]


def _drop_source(data):
    del data["testGroups"][-1]["source"]


def _source_without_version(data):
    del data["testGroups"][0]["source"]["version"]


def _generator_version_back(data):
    data["generatorVersion"] = "1.1.0"


def _note_without_description(data):
    del next(iter(data["notes"].values()))["description"]


def _note_without_effect(data):
    del next(iter(data["notes"].values()))["effect"]


def _link_in_free_form(data):
    data["notes"]["Pseudorandom"]["links"] = ["see TS-0003"]


def _earlier_schema_name(data):
    data["schema"] = data["schema"].replace("_v1.json", ".json")


def _enrolee_variant_without_enrolee(data):
    test = _first_test(data, lambda t: t.get("variant") == "nfc-not-nfkc")
    del test["enroleeBId"]


CORRUPTIONS = [
    ("tls12_prf_test.json", _upper_hex),
    ("onem2m_exporter_test.json", _drop_variant),
    ("onem2m_exporter_test.json", _short_key_id),
    ("hkdf_test.json", _extra_property),
    ("hkdf_test.json", _bad_bug_type),
    ("keyid_test.json", _reading_on_invalid),
    ("keyid_test.json", _acceptable_reference),
    ("e2e_derivation_test.json", _wrong_e2e_length),
    ("e2e_derivation_test.json", _wrong_hash_with_group_length),
    ("e2e_derivation_test.json", _truncated_in_sha256_group),
    ("e2e_derivation_test.json", _enrolee_variant_without_enrolee),
    ("enrolment_derivation_test.json", _variant_without_flag),
    ("tls12_prf_test.json", _drop_variant),
    ("hkdf_test.json", _variant_without_flag),
    ("hkdf_test.json", _drop_source),
    ("keyid_test.json", _source_without_version),
    ("tls12_prf_test.json", _generator_version_back),
    ("onem2m_exporter_test.json", _note_without_description),
    ("e2e_derivation_test.json", _earlier_schema_name),
    ("enrolment_derivation_test.json", _note_without_effect),
    ("hkdf_test.json", _link_in_free_form),
]


@pytest.mark.parametrize("name,corrupt", CORRUPTIONS, ids=lambda x: getattr(x, "__name__", x))
def test_corrupted_copy_fails_schema(tmp_path, name, corrupt):
    data = load(VECTORS / name)
    assert not schema_errors(data)
    bad = copy.deepcopy(data)
    corrupt(bad)
    path = tmp_path / name
    path.write_text(json.dumps(bad, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert schema_errors(load(path)), "corruption %s was not caught" % corrupt.__name__


def test_unknown_schema_name_is_caught():
    data = load(VECTORS / "hkdf_test.json")
    data["schema"] = "no_such_schema.json"
    assert schema_errors(data)


def test_consistency_errors_are_caught():
    data = load(VECTORS / "keyid_test.json")
    bad = copy.deepcopy(data)
    bad["numberOfTests"] += 1
    assert consistency_errors(bad)
    bad = copy.deepcopy(data)
    bad["testGroups"][0]["tests"][1]["tcId"] = bad["testGroups"][0]["tests"][0]["tcId"]
    assert consistency_errors(bad)
    bad = copy.deepcopy(data)
    bad["testGroups"][0]["tests"][0]["flags"].append("UndefinedFlag")
    assert consistency_errors(bad)
    bad = copy.deepcopy(data)
    bad["notes"]["UnusedFlag"] = {"bugType": "BASIC", "description": "never used"}
    assert consistency_errors(bad)


ANCHOR_EDITS = [
    ("prf.py", '"e3f229ba727be17b', '"e3f229ba727be17c'),
    ("prf.py", '"7b0c18e9ced410ed', '"7b0c18e9ced410ee'),
    ("hkdf.py", '"077709362c2e32df', '"077709362c2e32de'),
    ("hkdf.py", '"8da4e775a563c18f', '"8da4e775a563c180'),
    ("keyid.py", '"RkYxNUQ4NEUzRTM4', '"RkYxNUQ4NEUzRTM5'),
]


def test_generator_stops_on_a_link_of_no_known_form(tmp_path):
    gen = tmp_path / "gen"
    shutil.copytree(GENERATOR.parent, gen, ignore=shutil.ignore_patterns("__pycache__"))
    source = (gen / "hkdf.py").read_text(encoding="utf-8")
    old = 'EXTRACT, EXPAND = "RFC 5869 2.2", "RFC 5869 2.3"'
    assert source.count(old) == 1
    (gen / "hkdf.py").write_text(source.replace(old, 'EXTRACT, EXPAND = "RFC 5869 2.2", "section 2.3"'),
                                 encoding="utf-8")
    proc = subprocess.run([sys.executable, str(gen / "generate.py"), "--check", str(VECTORS)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "section 2.3" in proc.stderr and "note links" in proc.stderr, proc.stderr


@pytest.mark.parametrize("module,old,new", ANCHOR_EDITS, ids=lambda x: x if x.endswith(".py") else None)
def test_generator_stops_on_wrong_anchor(tmp_path, module, old, new):
    gen = tmp_path / "gen"
    shutil.copytree(GENERATOR.parent, gen, ignore=shutil.ignore_patterns("__pycache__"))
    source = (gen / module).read_text(encoding="utf-8")
    assert source.count(old) == 1
    (gen / module).write_text(source.replace(old, new), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(gen / "generate.py"), "--check", str(VECTORS)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "does not match" in proc.stderr and new.strip('"') in proc.stderr


def test_check_reports_changed_file(tmp_path):
    for path in VECTOR_FILES:
        shutil.copy(path, tmp_path / path.name)
    assert run_check(tmp_path).returncode == 0
    target = tmp_path / "onem2m_exporter_test.json"
    data = load(target)
    test = _first_test(data)
    test["key"] = ("00" if test["key"][:2] != "00" else "11") + test["key"][2:]
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "hkdf_test.json").unlink()
    proc = run_check(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "onem2m_exporter_test.json" in out
    assert "hkdf_test.json" in out
    for name in set(EXPECTED_FILES) - {"onem2m_exporter_test.json", "hkdf_test.json"}:
        assert name not in out, out
