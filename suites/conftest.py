"""Shared fixtures for the end-to-end tests: where the repository, the build
and the vectors are. `make test` builds before it runs pytest; a missing
executable is a failure, never a skip."""
import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("KX_BUILD_DIR", ROOT / "build"))


def built(name):
    path = BUILD / name
    assert path.is_file() and os.access(path, os.X_OK), "%s is not built: run `make test`" % path
    return path


def python_script(path, source):
    """Writes source (dedented) as an executable Python script at path, for a fake driver; returns path."""
    path.write_text("#!%s\n" % sys.executable + textwrap.dedent(source), encoding="utf-8")
    path.chmod(0o755)
    return path


# A driver that plays the OpenSSL reference driver behind it, rewriting each request first.
PROXY = """\
import json, subprocess, sys
real = subprocess.Popen([%(real)r], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
hello = json.loads(real.stdout.readline())
hello["driver"] = %(name)r
print(json.dumps(hello), flush=True)
for line in sys.stdin:
    request = json.loads(line)
%(rewrite)s
    real.stdin.write(json.dumps(request) + "\\n")
    real.stdin.flush()
    if request.get("op") == "bye":
        break
    print(real.stdout.readline().strip(), flush=True)
"""


def proxy_driver(path, name, rewrite):
    """Writes at path a 'vendor' driver named name: the OpenSSL reference driver, except that
    rewrite (Python statements that may change the dict `request`) runs on every request first."""
    return python_script(path, PROXY % {
        "real": str(built("kx-driver-openssl")), "name": name,
        "rewrite": textwrap.indent(textwrap.dedent(rewrite).strip(), "    ")})


def hanging_driver(tmp_path):
    """A driver whose hello is valid (docs/driver-protocol.md) and which then never answers: a run
    with it lasts its --timeout."""
    path = tmp_path / "hang"
    python_script(path, '''
        import json, sys
        caps = {"operations": [], "scenarios": ["psk"], "roles": ["client", "server"], "transports": ["tls"],
                "suites": {"tls": ["0x00AE", "0xC0A8"]}}
        print(json.dumps({"type": "hello", "protocol": 1, "driver": "hang", "implementation": "hangs after hello",
                          "capabilities": caps}), flush=True)
        for line in sys.stdin:
            pass  # reads every request, answers none
        ''')
    return path


@pytest.fixture(autouse=True)
def own_working_directory(tmp_path_factory, monkeypatch):
    """Every test runs in a directory of its own: a command run without --output writes its
    reports (and takes its lock) in the working directory, which the tests share with each other
    when pytest-xdist runs them side by side, and with the repository."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def kxconform():
    return built("kxconform")


@pytest.fixture(scope="session")
def vectors_dir():
    return ROOT / "vectors"


def pytest_configure(config):
    # `make check-sanitize` runs the end-to-end tests again on the sanitizer build with
    # -m "not slow": the tests marked slow repeat C paths the others reach (more mutants of one
    # family, a browser, waiting out timeouts), at several times the cost under the sanitizers.
    config.addinivalue_line("markers", "slow: repeats covered C paths at a high cost; not run by check-sanitize")
