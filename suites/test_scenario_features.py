"""A scenario is data: the runner works out what it needs from the suite
(roles, transports, suites, the members of each end's configuration) and a
driver says in its hello what it takes, so a new handshake-shaped scenario is
one JSON entry, with no change to the runner or to any driver."""
import copy
import json
import subprocess
import sys
import textwrap

from conftest import ROOT, built

SUITE = ROOT / "suites" / "onem2m.json"


def run(kxconform, *args):
    return subprocess.run([str(kxconform), "run", *map(str, args)], capture_output=True, text=True, timeout=300)


def report_of(out):
    return json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))


def scratch_suite(tmp_path, scenario):
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    suite["scenarios"] = [scenario]
    path = tmp_path / "scratch.json"
    path.write_text(json.dumps(suite), encoding="utf-8")
    return path


def new_scenario():
    """A scenario no driver has heard of: the MAF connection's handshake under another name, with
    its own identities and no `needs`."""
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    scenario = copy.deepcopy(next(s for s in suite["scenarios"] if s["name"] == "connection"))
    scenario["name"] = "scratch-handshake"
    scenario["title"] = "a scenario added to a scratch suite"
    scenario.pop("needs", None)
    scenario["negative"] = scenario["negative"][:1]
    scenario["requirements"] = []
    for variant in scenario["negative"]:
        variant["requirements"] = []
    return scenario


def test_a_new_handshake_scenario_runs_on_both_reference_drivers_with_no_code_change(kxconform, tmp_path):
    suite = scratch_suite(tmp_path, new_scenario())
    out = tmp_path / "out"
    result = run(kxconform, "--suite", suite, "--output", out)
    assert result.returncode == 0, result.stdout + result.stderr
    cases = report_of(out)["cases"]
    positives = [c for c in cases if c["kind"] == "positive"]
    # Both transports, four pairings each, every one played and passed.
    assert sorted(c["id"] for c in positives) == sorted(
        "scratch-handshake.%s.%s-%s" % (t, i, r) for t in ("tls", "dtls")
        for i in ("openssl", "wolfssl") for r in ("openssl", "wolfssl"))
    assert all(c["result"] == "pass" and c["met"] for c in positives)
    assert all(c["met"] for c in cases)


def test_the_reference_hello_lists_configuration_members_not_scenario_names(tmp_path):
    driver = subprocess.Popen([str(built("kx-driver-openssl"))], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    hello = json.loads(driver.stdout.readline())
    driver.stdin.close()
    driver.wait(timeout=10)
    capabilities = hello["capabilities"]
    assert "scenarios" not in capabilities
    assert {"role", "transport", "suites", "cert", "psk", "psk_identity", "sni", "mtu",
            "extended_master_secret", "notify"} <= set(capabilities["config"])


def test_an_unknown_configuration_member_is_refused_by_name(tmp_path):
    request = {"id": 1, "op": "open", "session": "s",
               "config": {"role": "client", "transport": "tls", "suites": ["0x00AE"], "psk_identiy": "typo"}}
    answer = subprocess.run([str(built("kx-driver-wolfssl"))], input=json.dumps(request) + "\n",
                            capture_output=True, text=True, timeout=10).stdout.splitlines()[1]
    answer = json.loads(answer)
    assert answer["ok"] is False and '"psk_identiy"' in answer["error"]


def proxy_without(tmp_path, member):
    """A proxy of kx-driver-openssl whose hello does not list one configuration member."""
    proxy = tmp_path / "proxy"
    proxy.write_text("#!%s\n" % sys.executable + textwrap.dedent('''
        import json, subprocess, sys
        real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = json.loads(real.stdout.readline())
        hello["capabilities"]["config"].remove(%r)
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            real.stdin.write(line)
            real.stdin.flush()
            print(real.stdout.readline(), end="", flush=True)
        ''' % (str(built("kx-driver-openssl")), member)), encoding="utf-8")
    proxy.chmod(0o755)
    return proxy


def test_a_case_setting_a_member_the_driver_does_not_take_is_not_implemented(kxconform, tmp_path):
    scenario = new_scenario()
    scenario["transports"] = ["tls"]
    scenario["negative"] = []
    scenario["initiator"]["sni"] = "mn-cse.example.org"
    suite = scratch_suite(tmp_path, scenario)
    out = tmp_path / "out"
    result = run(kxconform, "--suite", suite, "--output", out, "--driver", "vendor=%s" % proxy_without(tmp_path, "sni"),
                 "--driver", "openssl=%s" % built("kx-driver-openssl"))
    by_id = {c["id"]: c for c in report_of(out)["cases"]}
    # The vendor plays the terminator, where no sni is set; as the initiator it is not asked to.
    assert by_id["scratch-handshake.tls.openssl-vendor"]["result"] == "pass"
    refused = by_id["scratch-handshake.tls.vendor-openssl"]
    assert refused["result"] == "not-implemented"
    assert 'does not take the configuration member "sni"' in refused["diagnosis"]
    # Not implemented is never met: the run says so with its status.
    assert result.returncode == 1
    assert {c["result"] for c in by_id.values() if not c["met"]} == {"not-implemented"}
