"""End-to-end tests of the captures: `kxconform run` writes a pcapng and a key
log per case, and tshark, given nothing but the file, decrypts the handshake
of every completed case. The tests also break the Decryption Secrets Block on
purpose (removed, moved after the packets, holding a wrong secret) and require
tshark then to show no Finished at all, so that they cannot pass on a capture
that decrypts for some other reason (a preference, a key log file lying around).

tshark takes about a second to start, so a handful of representative cases is
checked here (ESCertKE over TLS, certificates over DTLS, PSK, a fault case);
the run itself checks every case in one tshark process. Skipped only when
tshark is not installed."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap

import pytest

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian: apt-get install tshark)")

CASES = {
    "escertke": "escertke.tls.openssl-wolfssl",
    "dtls": "bootstrap.dtls.wolfssl-openssl",
    "psk": "psk.tls.wolfssl-openssl",
    "fault": "escertke.tls.openssl-wolfssl.fault-drop-flight3",
}
PASSING = ("escertke", "dtls", "psk")

INITIATOR, TERMINATOR = "192.0.2.1", "192.0.2.2"
SHB, IDB, EPB, DSB = 0x0A0D0D0A, 0x00000001, 0x00000006, 0x0000000A
TLS_KEYLOG = 0x544C534B
KEYLOG_LINE = re.compile(r"^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$", re.IGNORECASE)
NO_SECRETS = "# no session secrets: the handshake did not complete\n"


def run(kxconform, out, *cases, env=None):
    args = [str(kxconform), "run", "--output", str(out)]
    for case in cases:
        args += ["--filter", case]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


def tshark(*args):
    result = subprocess.run([TSHARK, *map(str, args)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def finished_lines(path, transport):
    """The frames `tshark -r FILE -Y '<tls|dtls>.handshake.type == 20'` prints: no other option."""
    field = "dtls" if transport == "dtls" else "tls"
    return [line for line in tshark("-r", path, "-Y", "%s.handshake.type == 20" % field).splitlines() if line.strip()]


def senders(lines):
    """Which ends the printed frames came from (tshark's summary line reads 'SRC → DST')."""
    found = set()
    for line in lines:
        if re.search(r"%s\s+(→|->)\s+%s" % (re.escape(INITIATOR), re.escape(TERMINATOR)), line):
            found.add("initiator")
        if re.search(r"%s\s+(→|->)\s+%s" % (re.escape(TERMINATOR), re.escape(INITIATOR)), line):
            found.add("terminator")
    return found


# pcapng, read and written back block by block (draft-ietf-opsawg-pcapng).


def read_blocks(path):
    """[(type, raw block bytes)] and the byte order ('<' or '>') of the file's sections."""
    data = path.read_bytes()
    blocks, at, order = [], 0, "<"
    while at < len(data):
        kind_raw = data[at:at + 4]
        if struct.unpack("<I", kind_raw)[0] == SHB:
            magic = data[at + 8:at + 12]
            order = "<" if struct.unpack("<I", magic)[0] == 0x1A2B3C4D else ">"
            assert struct.unpack(order + "I", magic)[0] == 0x1A2B3C4D, "bad byte-order magic"
        kind, total = struct.unpack(order + "II", data[at:at + 8])
        assert total % 4 == 0 and total >= 12, "block at %d: length %d" % (at, total)
        assert struct.unpack(order + "I", data[at + total - 4:at + total])[0] == total, "trailing length differs"
        blocks.append((kind, data[at:at + total]))
        at += total
    assert at == len(data)
    return blocks, order


def write_blocks(path, blocks):
    path.write_bytes(b"".join(raw for _, raw in blocks))


def options(raw, start, order):
    """{code: [value bytes]} of a block's options, which begin at `start`."""
    found, at = {}, start
    while at < len(raw) - 4:
        code, length = struct.unpack(order + "HH", raw[at:at + 4])
        if code == 0:
            break
        found.setdefault(code, []).append(raw[at + 4:at + 4 + length])
        at += 4 + (length + 3) // 4 * 4
    return found


def dsb_secrets(raw, order):
    secrets_type, length = struct.unpack(order + "II", raw[8:16])
    return secrets_type, raw[16:16 + length]


def make_dsb(secrets, order):
    padded = secrets + b"\0" * (-len(secrets) % 4)
    total = 12 + 8 + len(padded)
    return struct.pack(order + "IIII", DSB, total, TLS_KEYLOG, len(secrets)) + padded + struct.pack(order + "I", total)


@pytest.fixture(scope="module")
def captured(kxconform, tmp_path_factory):
    """One run of the representative cases; the report and its captures."""
    out = tmp_path_factory.mktemp("captures")
    result = run(kxconform, out, *CASES.values())
    report = json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
    cases = {case["id"]: case for case in report["cases"]}
    assert set(cases) == set(CASES.values()), result.stdout + result.stderr
    return out, result, cases


def case_of(captured, name):
    out, _, cases = captured
    case = cases[CASES[name]]
    assert "capture" in case, "no capture recorded for %s (is kx_capture_case wired into kxconform run?)" % case["id"]
    return case


def test_every_case_has_a_capture_and_a_key_log(captured):
    out, result, cases = captured
    assert result.returncode == 0, result.stdout + result.stderr
    for case in cases.values():
        capture = case.get("capture")
        assert capture is not None, case["id"]
        assert "error" not in capture, capture
        pcapng = out / "captures" / ("%s.pcapng" % case["id"])
        keylog = out / "captures" / ("%s.keylog" % case["id"])
        assert pcapng.is_file() and keylog.is_file()
        assert os.path.samefile(capture["pcapng"], pcapng) and os.path.samefile(capture["keylog"], keylog)
        assert capture["packets"] > 0
        text = keylog.read_text(encoding="ascii")
        if case["outcome"] == "completed":
            lines = text.splitlines()
            assert len(lines) == 1 and KEYLOG_LINE.match(lines[0]), text
            # The line both ends reported, in NSS key log format.
            assert lines[0] == case["initiator_report"]["keylog"] == case["terminator_report"]["keylog"]
        else:
            assert text == NO_SECRETS


def test_the_run_checked_every_capture_with_tshark(captured):
    _, _, cases = captured
    for case in cases.values():
        assert case["capture"]["verified"] is True, (case["id"], case["capture"].get("check"))
        assert case["capture"]["check"]
    assert "decrypted" in case_of(captured, "escertke")["capture"]["check"]


@pytest.mark.parametrize("name", ["escertke", "dtls", "psk", "fault"])
def test_section_layout(captured, name):
    """One section: the header names the case, then the interface, the key log before any packet."""
    case = case_of(captured, name)
    blocks, order = read_blocks(case_path(captured, name))
    kinds = [kind for kind, _ in blocks]
    assert kinds.count(SHB) == 1 and kinds[0] == SHB and kinds[1] == IDB
    shb_options = options(blocks[0][1], 24, order)
    assert ("kxconform case %s" % case["id"]).encode() in shb_options[1]
    assert shb_options[4][0].startswith(b"kxconform ")
    idb = blocks[1][1]
    assert struct.unpack(order + "H", idb[8:10])[0] == 101  # LINKTYPE_RAW
    if case["outcome"] == "completed":
        assert kinds[2] == DSB and kinds.count(DSB) == 1
        secrets_type, secrets = dsb_secrets(blocks[2][1], order)
        assert secrets_type == TLS_KEYLOG
        assert secrets.decode("ascii") == case["initiator_report"]["keylog"] + "\n"
    else:
        assert DSB not in kinds
    assert all(kind == EPB for kind in kinds[3 if DSB in kinds else 2:])
    # Every packet says who sent it.
    for kind, raw in blocks:
        if kind == EPB:
            captured_len = struct.unpack(order + "I", raw[20:24])[0]
            comment = options(raw, 28 + (captured_len + 3) // 4 * 4, order)[1][0].decode("utf-8")
            assert re.match(r"^(initiator|terminator) \(\w+\) -> (initiator|terminator) \(\w+\): ", comment), comment


def case_path(captured, name):
    out, _, _ = captured
    return out / "captures" / ("%s.pcapng" % CASES[name])


@pytest.mark.parametrize("name", PASSING)
def test_tshark_shows_both_finished_with_no_option(captured, name):
    case = case_of(captured, name)
    assert case["result"] == "pass", case["diagnosis"]
    lines = finished_lines(case_path(captured, name), case["transport"])
    assert senders(lines) == {"initiator", "terminator"}, lines


@pytest.mark.parametrize("name", PASSING)
def test_tshark_shows_the_application_data_decrypted(captured, name):
    case = case_of(captured, name)
    rows = tshark("-r", case_path(captured, name), "-T", "fields", "-e", "ip.src", "-e", "data.data")
    texts = {INITIATOR: b"", TERMINATOR: b""}
    for row in rows.splitlines():
        src, _, data = row.partition("\t")
        for chunk in filter(None, data.split(",")):
            texts[src] += bytes.fromhex(chunk)
    if case["scenario"] == "escertke":
        # ESCertKE ends with message 4 (spec README point 12): nothing after it.
        assert texts == {INITIATOR: b"", TERMINATOR: b""}, texts
        return
    assert b"kxconform application data from the initiator" in texts[INITIATOR]
    assert b"kxconform application data from the terminator" in texts[TERMINATOR]


def test_escertke_capture_shows_four_messages_and_both_ends_authenticated(captured):
    case = case_of(captured, "escertke")
    rows = tshark("-r", case_path(captured, "escertke"), "-T", "fields", "-e", "ip.src", "-e",
                  "tls.handshake.type")
    runs, types = [], {INITIATOR: set(), TERMINATOR: set()}
    for row in rows.splitlines():
        src, _, kinds = row.partition("\t")
        if not kinds:
            continue
        if not runs or runs[-1] != src:
            runs.append(src)
        types[src] |= {int(k) for k in kinds.split(",")}
    assert runs == [INITIATOR, TERMINATOR, INITIATOR, TERMINATOR], runs
    # ClientHello, Certificate, ClientKeyExchange, CertificateVerify, Finished from the initiator;
    # ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone, Finished back.
    assert {1, 11, 15, 16, 20} <= types[INITIATOR], types
    assert {2, 11, 12, 13, 14, 20} <= types[TERMINATOR], types
    assert [f.get("escertke_message") for f in case["flights"]] == [1, 2, 3, 4]


def test_fault_case_capture_shows_what_was_exchanged(captured):
    case = case_of(captured, "fault")
    assert case["outcome"] != "completed"
    summary = tshark("-r", case_path(captured, "fault"))
    assert "Client Hello" in summary and "Server Hello" in summary
    blocks, order = read_blocks(case_path(captured, "fault"))
    comments = b"".join(options(blocks[0][1], 24, order)[1])
    # The dropped flight has no packet; the section header says so.
    assert b"dropped by the runner" in comments


def broken_copies(path, tmp_path):
    """The capture rewritten four ways: unchanged, without its DSB, with its DSB after the packets,
    and with a wrong master secret in it."""
    blocks, order = read_blocks(path)
    at = [i for i, (kind, _) in enumerate(blocks) if kind == DSB]
    assert len(at) == 1
    dsb = blocks[at[0]]
    rest = blocks[:at[0]] + blocks[at[0] + 1:]
    _, secrets = dsb_secrets(dsb[1], order)
    label, client_random, master = secrets.decode("ascii").split()
    wrong = "%x%s" % ((int(master[0], 16) + 1) % 16, master[1:])
    copies = {
        "unchanged": blocks,
        "missing": rest,
        "misplaced": rest + [dsb],
        "wrong-secret": blocks[:at[0]] + [(DSB, make_dsb(("%s %s %s\n" % (label, client_random, wrong)).encode(), order))]
        + blocks[at[0] + 1:],
    }
    paths = {}
    for name, content in copies.items():
        paths[name] = tmp_path / ("%s.pcapng" % name)
        write_blocks(paths[name], content)
    return paths


@pytest.mark.parametrize("name", ["escertke", "dtls"])
def test_no_finished_without_the_right_secrets_before_the_packets(captured, tmp_path, name):
    case = case_of(captured, name)
    copies = broken_copies(case_path(captured, name), tmp_path)
    # The rewriting itself changes nothing: the unchanged copy still decrypts.
    assert senders(finished_lines(copies["unchanged"], case["transport"])) == {"initiator", "terminator"}
    for broken in ("missing", "misplaced", "wrong-secret"):
        assert finished_lines(copies[broken], case["transport"]) == [], broken


def test_run_fails_a_case_whose_capture_does_not_decrypt(kxconform, tmp_path):
    """The run's own check, given a tshark that never sees a DSB, fails the case with the reason."""
    wrapper = tmp_path / "tshark-without-dsb"
    wrapper.write_text(textwrap.dedent("""\
        #!%s
        # tshark, but on a copy of the file with every Decryption Secrets Block removed.
        import os, struct, sys, tempfile
        args = sys.argv[1:]
        src = args[args.index("-r") + 1]
        # "-": fed the sections on its standard input as the cases finish (kx_capture_feed_tshark).
        data = sys.stdin.buffer.read() if src == "-" else open(src, "rb").read()
        out, at = b"", 0
        while at < len(data):
            kind, total = struct.unpack("<II", data[at:at + 8])
            if kind != 0x0000000A:
                out += data[at:at + total]
            at += total
        fd, copy = tempfile.mkstemp(suffix=".pcapng")
        os.write(fd, out)
        os.close(fd)
        args[args.index("-r") + 1] = copy
        os.execv(%r, [%r] + args)
        """ % (sys.executable, TSHARK, TSHARK)))
    wrapper.chmod(0o755)
    env = dict(os.environ, KX_TSHARK=str(wrapper))
    result = run(kxconform, tmp_path / "out", CASES["escertke"], env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    case = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))["cases"][0]
    assert case["capture"]["verified"] is False
    assert case["result"] == "fail" and case["met"] is False
    assert "capture: no decrypted Finished from the initiator" in case["diagnosis"]


def test_run_without_tshark_says_the_check_did_not_run(kxconform, tmp_path):
    env = dict(os.environ, KX_TSHARK=str(tmp_path / "no-such-tshark"))
    result = run(kxconform, tmp_path / "out", CASES["psk"], env=env)
    case = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))["cases"][0]
    assert case["capture"]["verified"] == "not-run"
    assert "not found" in case["capture"]["check"]
    assert "not run" in result.stdout + result.stderr
    # The handshake still passed on its own merits; the capture was not declared verified.
    assert case["result"] == "pass"


def test_run_feeds_tshark_while_the_cases_run(kxconform, tmp_path):
    """`run` starts tshark on the first finished case and writes it each case's section as the case
    finishes (`-r -`), so that the check overlaps the run; what tshark read is byte for byte the batch
    file, and the verdicts come from it."""
    log = tmp_path / "tshark-log"
    wrapper = tmp_path / "tshark-logging"
    wrapper.write_text(textwrap.dedent("""\
        #!%s
        import os, subprocess, sys
        args = sys.argv[1:]
        src = args[args.index("-r") + 1]
        data = sys.stdin.buffer.read() if src == "-" else open(src, "rb").read()
        with open(%r, "ab") as log:
            log.write(("%%s %%d\\n" %% (src, len(data))).encode())
        sys.exit(subprocess.run([%r] + args, input=data).returncode)
        """ % (sys.executable, str(log), TSHARK)))
    wrapper.chmod(0o755)
    env = dict(os.environ, KX_TSHARK=str(wrapper))
    result = run(kxconform, tmp_path / "out", "psk.*.openssl-wolfssl", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    batch = tmp_path / "out" / "captures" / "all-cases.pcapng"
    assert log.read_text().split("\n")[:-1] == ["- %d" % batch.stat().st_size]
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["cases"] and all(c["capture"]["verified"] is True for c in report["cases"])
