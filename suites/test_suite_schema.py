"""Every suite file validates against docs/suite.schema.json, and the schema
refuses what the runner could not use: a misspelt member, a configuration
member no driver is told about, an unknown run kind or fault."""
import copy
import json

import jsonschema
import pytest

from conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "suite.schema.json").read_text(encoding="utf-8"))
SUITES = sorted((ROOT / "suites").glob("*.json"))


@pytest.fixture(scope="module")
def validator():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("path", SUITES, ids=[p.name for p in SUITES])
def test_suite_file_is_valid(validator, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in errors)


def suite():
    return json.loads((ROOT / "suites" / "onem2m.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("change, words", [
    (lambda s: s["scenarios"][0].update(trasnports=["tls"]), "'trasnports' was unexpected"),
    (lambda s: s["scenarios"][0]["initiator"].update(cipher="x"), "'cipher' was unexpected"),
    (lambda s: s["scenarios"][0].update(run="nonsense"), "'nonsense' is not one of"),
    (lambda s: s["scenarios"][0]["faults"][0].update(fault="melt"), "'melt' is not one of"),
    (lambda s: s["scenarios"][0].update(name="Upper"), "does not match"),
    (lambda s: s["scenarios"][0]["suites"].update(tls=["C023"]), "does not match"),
])
def test_schema_refuses_what_the_runner_could_not_use(validator, change, words):
    broken = copy.deepcopy(suite())
    change(broken)
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any(words in m for m in messages), messages
