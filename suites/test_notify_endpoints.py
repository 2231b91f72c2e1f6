"""ESCertKE end-points that write and read their NOTIFY primitives themselves (hello feature
notify-endpoint, docs/driver-protocol.md): the reference drivers do, the runner judges their
primitives from outside and damages them for the negative cases, and the receiving end-point's
driver must refuse. A driver without the feature keeps the flight relay, and the report says that
NOTIFY is not under test for it."""
import json
import subprocess
import sys
import textwrap

from conftest import built


def kx(*args):
    return subprocess.run([str(built("kxconform"))] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=300)


def proxy(tmp_path, name, body):
    """A vendor driver in front of the OpenSSL reference driver; body rewrites each request."""
    path = tmp_path / name
    path.write_text("#!%s\n" % sys.executable + textwrap.dedent('''
        import json, subprocess, sys
        real = subprocess.Popen([%r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = json.loads(real.stdout.readline())
        hello["driver"] = %r
        state = {}
        def rewrite_hello(hello):
        %s
        def rewrite(request):
        %s
        rewrite_hello(hello)
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            rewrite(request)
            real.stdin.write(json.dumps(request) + "\\n")
            real.stdin.flush()
            if request.get("op") == "bye":
                break
            print(real.stdout.readline().strip(), flush=True)
        ''') % (str(built("kx-driver-openssl")), name, textwrap.indent(body[0], "    "),
                textwrap.indent(body[1], "    ")), encoding="utf-8")
    path.chmod(0o755)
    return path


def cases(out):
    return {c["id"]: c for c in json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))["cases"]}


def references():
    return ["--driver", "openssl=%s" % built("kx-driver-openssl")]


def test_reference_end_points_write_and_refuse_primitives(tmp_path):
    out = tmp_path / "out"
    result = kx("run", "--filter", "escertke.tls.openssl-wolfssl*", "--output", out)
    assert result.returncode == 0, result.stdout[-2000:]
    got = cases(out)
    positive = got["escertke.tls.openssl-wolfssl"]
    assert positive["notify"] == {"initiator": "carried by its driver", "terminator": "carried by its driver"}
    rqp = json.loads(positive["flights"][0]["primitive"])["m2m:rqp"]
    assert rqp["fr"] == "CAE123456789012-Lock" and rqp["pc"]["m2m:seci"]["sit"] == 6
    for name, words in [("message3-from-differs", "differs from message 1's"),
                        ("message3-reuses-rqi", "it must be a new request"),
                        ("message1-wrong-sit", "expected 6"),
                        ("message1-eckm-not-base64", "is refused: eckm"),
                        ("message1-no-from", "fr is missing")]:
        case = got["escertke.tls.openssl-wolfssl." + name]
        assert case["met"] and case["rejected_by"] == "terminator", case["diagnosis"]
        assert "the terminator (wolfssl) failed the handshake" in case["diagnosis"] and words in case["diagnosis"]


def test_an_end_point_without_the_from_check_is_caught(tmp_path):
    """A vendor terminator whose oneM2M layer does not compare message 3's From with message 1's."""
    lax = proxy(tmp_path, "lax", ("pass", textwrap.dedent('''
        text = request.get("primitive")
        rqp = json.loads(text).get("m2m:rqp") if text else None
        if rqp is not None:
            first = state.setdefault("from", rqp.get("fr"))
            if rqp.get("fr") != first:
                rqp["fr"] = first
                request["primitive"] = json.dumps({"m2m:rqp": rqp})''')))
    out = tmp_path / "out"
    result = kx("run", "--driver", "lax=%s" % lax, *references(), "--filter", "escertke.tls.openssl-lax.message3*",
                "--filter", "escertke.tls.openssl-openssl.message3-from-differs", "--output", out)
    assert result.returncode == 1
    got = cases(out)
    caught = got["escertke.tls.openssl-lax.message3-from-differs"]
    assert not caught["met"] and caught["result"] == "pass"
    assert "the handshake completed although" in caught["diagnosis"]
    assert got["escertke.tls.openssl-lax.message3-reuses-rqi"]["met"]
    assert got["escertke.tls.openssl-openssl.message3-from-differs"]["met"]


def test_without_the_feature_notify_is_not_under_test(tmp_path):
    relayed = proxy(tmp_path, "relayed", ('hello["capabilities"].pop("features", None)', "pass"))
    out = tmp_path / "out"
    result = kx("run", "--driver", "relayed=%s" % relayed, *references(), "--filter",
                "escertke.tls.openssl-relayed", "--filter", "escertke.tls.openssl-relayed.message1-wrong-sit",
                "--output", out)
    got = cases(out)
    positive = got["escertke.tls.openssl-relayed"]
    assert positive["met"] and positive["notify"]["terminator"].startswith("not under test")
    assert positive["notify"]["initiator"] == "carried by its driver"
    damaged = got["escertke.tls.openssl-relayed.message1-wrong-sit"]
    assert damaged["result"] == "not-implemented" and "NOTIFY not under test at the terminator" in damaged["diagnosis"]
    assert result.returncode == 1
