#!/usr/bin/env python3
"""make_corpus.py - regenerates the seed corpora in fuzz/corpus/ from real inputs.

Seeds are what the harness really reads, so that mutations start from inputs
that reach deep into each parser instead of dying at the first byte:

- vector_file: real vector files from vectors/, cut to a few tests each
  (numberOfTests adjusted so they stay valid), plus one whole file;
- notify: the NOTIFY primitives of real ESCertKE runs (`kxconform run`,
  flights[].primitive of reports/report.json);
- tls_records: the ESCertKE messages those primitives carry (eckm decoded),
  and the flights of TLS sessions played through a reference driver;
- dtls_records: the datagrams of DTLS sessions played through the drivers,
  each datagram behind a 2-byte big-endian length (the target's input format);
- chunks_json, driver_call: the drivers' own answer lines;
- driver_dispatch: request scripts (one JSON request a line) that play whole
  handshakes inside one driver, with "flight": "relay" (see fuzz_driver_dispatch.c),
  and derivation requests built from the vectors;
- keyid, base64, hex, fqdn, nfkc: strings taken from the vector files.

Needs a built tree (make build): kxconform, the two drivers and build/pki.
Standard library only. Usage: fuzz/make_corpus.py [--build DIR]
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX_FILES = 30  # per target: a small corpus keeps the smoke run short


class Corpus:
    """The seeds of one target: named files, deduplicated by content."""

    def __init__(self, target):
        self.target = target
        self.files = {}
        self.seen = set()

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen or len(self.files) >= MAX_FILES:
            return
        self.seen.add(digest)
        self.files[name] = data

    def write(self):
        directory = os.path.join(CORPUS, self.target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for name, data in sorted(self.files.items()):
            with open(os.path.join(directory, name), "wb") as out:
                out.write(data)
        print(f"  {self.target:<16} {len(self.files):2d} files")


class Driver:
    """One reference driver process, spoken to in JSON lines (docs/driver-protocol.md)."""

    def __init__(self, build, name):
        self.name = name
        # The driver runs in the build directory so that "pki/..." paths resolve,
        # as they do for the dispatch fuzz target.
        self.proc = subprocess.Popen([os.path.join(build, f"kx-driver-{name}")], cwd=build,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.hello = self.proc.stdout.readline()
        self.next_id = 0
        self.requests = []   # every request line sent, in order
        self.responses = []  # every answer line received, in order

    def ask(self, request):
        request = dict(request, id=self.next_id)
        self.next_id += 1
        line = json.dumps(request, separators=(",", ":"))
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        self.requests.append(line)
        self.responses.append(answer.rstrip("\n"))
        return json.loads(answer)

    def close(self):
        self.proc.stdin.write('{"op":"bye"}\n')
        self.proc.stdin.flush()
        self.proc.wait(timeout=5)


PSK_CLIENT = {"psk_identity": "AE123456789012-Lock@in.provider.com", "psk": "1a2b3c4d5e6f7a8b",
              "sni": "mn-cse-123456"}
PSK_SERVER = {"psk_table": [{"identity": "AE123456789012-Lock@in.provider.com", "psk": "1a2b3c4d5e6f7a8b"},
                            {"identity": "AE123456789015-Lock@in.provider.com", "psk": "12345678abcdefab"}]}
CERT_CLIENT = {"cert": "pki/ae.pem", "key": "pki/ae.key", "ca": "pki/root-ca.pem",
               "expected_peer_name": "my.m2mprovider.org/in-cse", "sni": "my.m2mprovider.org"}
CERT_SERVER = {"cert": "pki/in-cse.pem", "key": "pki/in-cse.key", "ca": "pki/root-ca.pem",
               "expected_peer_name": "my.m2mprovider.org/CAE123456789012-Lock", "require_peer_cert": True}


def handshake(client, server, transport, suite, client_extra, server_extra, mtu=None):
    """Plays one handshake between two driver sessions; returns the flights as
    (sender, [chunk bytes]) and the step answers, application data included."""
    common = {"transport": transport, "suites": [suite]}
    if mtu:
        common["mtu"] = mtu
    client.ask({"op": "open", "session": "c", "config": dict(common, role="client", **client_extra)})
    server.ask({"op": "open", "session": "s", "config": dict(common, role="server", **server_extra)})
    flights, answers = [], []
    flight, ends, turn = [], {"c": client, "s": server}, "c"
    states = {"c": "handshaking", "s": "handshaking"}
    for _ in range(12):
        answer = ends[turn].ask({"op": "step", "session": turn, "flight": flight})
        answers.append(answer)
        states[turn] = answer.get("state", "failed")
        flight = answer.get("flight", [])
        if flight:
            flights.append((turn, [base64.b64decode(c) for c in flight]))
        if states[turn] == "failed" or (states["c"] == "done" and states["s"] == "done" and not flight):
            break
        turn = "s" if turn == "c" else "c"
    info = {}
    if states["c"] == "done" and states["s"] == "done":
        info = client.ask({"op": "info", "session": "c",
                           "export": [{"label": "EXPORTER-oneM2M-Bootstrap", "length": 48}]})
        sent = client.ask({"op": "send", "session": "c", "data": "kxconform application data from the initiator"})
        flights.append(("c", [base64.b64decode(c) for c in sent.get("flight", [])]))
        answers.append(sent)
        server.ask({"op": "receive", "session": "s", "flight": sent.get("flight", [])})
    client.ask({"op": "close", "session": "c"})
    server.ask({"op": "close", "session": "s"})
    return flights, answers, info


def http_text(primitive):
    """The fuzz_http_binding input for a NOTIFY primitive as TS-0009 maps it:
    the request line or status, the X-M2M header fields, then the content."""
    content = json.dumps(primitive["pc"], separators=(",", ":"))
    if "op" in primitive:
        to = primitive["to"]
        target = "/_/" + to[2:] if to.startswith("//") else "/~" + to if to.startswith("/") else "/" + to
        head = [f"POST {target}", f"X-M2M-Origin: {primitive['fr']}"]
    else:
        head = ["HTTP 200", f"X-M2M-RSC: {primitive['rsc']}"]
    head += [f"X-M2M-RI: {primitive['rqi']}", f"X-M2M-RVI: {primitive.get('rvi', '3')}",
             "Content-Type: application/json"]
    return "\r\n".join(head) + "\r\n\r\n" + content


def dtls_input(chunks):
    """The dtls_records target's format: each datagram behind its 2-byte length."""
    return b"".join(len(c).to_bytes(2, "big") + c for c in chunks)


def session_script(transport, suite, client_extra, server_extra, mtu=None):
    """A whole handshake inside one driver as request lines, each flight relayed
    by the dispatch target ("flight": "relay" takes the previous step's output)."""
    common = {"transport": transport, "suites": [suite]}
    if mtu:
        common["mtu"] = mtu
    lines = [{"id": 0, "op": "open", "session": "c", "config": dict(common, role="client", **client_extra)},
             {"id": 1, "op": "open", "session": "s", "config": dict(common, role="server", **server_extra)},
             {"id": 2, "op": "step", "session": "c", "flight": []}]
    for i, end in enumerate(["s", "c", "s", "c", "s"]):
        lines.append({"id": 3 + i, "op": "step", "session": end, "flight": "relay"})
    lines += [{"id": 8, "op": "info", "session": "c", "export": [{"label": "EXPORTER-oneM2M-Bootstrap", "length": 48}]},
              {"id": 9, "op": "send", "session": "c", "data": "kxconform application data"},
              {"id": 10, "op": "receive", "session": "s", "flight": "relay"},
              {"id": 11, "op": "close", "session": "c"},
              {"id": 12, "op": "close", "session": "s"}]
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def small_vector_file(doc, keep):
    """The file with only its first `keep` tests per group (at most two groups)."""
    small = dict(doc)
    small["testGroups"] = []
    count = 0
    for group in doc["testGroups"][:2]:
        g = dict(group)
        g["tests"] = group["tests"][:keep]
        count += len(g["tests"])
        small["testGroups"].append(g)
    small["numberOfTests"] = count
    return json.dumps(small, indent=2, ensure_ascii=False) + "\n"

# ---- captures: the flights of real sessions as the packets a capture would hold ----

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ipv4(src, dst, proto, payload):
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                                   bytes(src), bytes(dst)))
    header[10:12] = checksum(bytes(header)).to_bytes(2, "big")
    return bytes(header) + payload


def ipv6(src, dst, proto, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64, bytes(src), bytes(dst)) + payload


def tcp(sport, dport, seq, ack, flags, payload):
    # Checksums of the transport are left zero: the reader does not check them.
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def packets_of(transport, flights, v6=False, reorder=False, mss=1200):
    """IP packets of one conversation: TCP with a handshake and MSS-sized
    segments (optionally one pair swapped and one retransmitted), or UDP."""
    a, b = ([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1], [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]) if v6 \
        else ([192, 0, 2, 1], [192, 0, 2, 2])
    ip = ipv6 if v6 else ipv4
    ends = {"c": (a, b, 50001, 4433), "s": (b, a, 4433, 50001)}
    out = []
    if transport == "dtls":
        for sender, chunks in flights:
            src, dst, sport, dport = ends[sender]
            out += [ip(src, dst, 17, udp(sport, dport, c)) for c in chunks]
        return out
    seq = {"c": 1000, "s": 70000}
    out.append(ip(a, b, 6, tcp(50001, 4433, seq["c"] - 1, 0, 0x02, b"")))
    out.append(ip(b, a, 6, tcp(4433, 50001, seq["s"] - 1, seq["c"], 0x12, b"")))
    for sender, chunks in flights:
        src, dst, sport, dport = ends[sender]
        data = b"".join(chunks)
        segments = []
        for i in range(0, len(data), mss):
            piece = data[i:i + mss]
            segments.append(ip(src, dst, 6, tcp(sport, dport, seq[sender], 0, 0x18, piece)))
            seq[sender] += len(piece)
        if reorder and len(segments) > 1:
            segments[0], segments[1] = segments[1], segments[0]
            segments.append(segments[0])
        out += segments
    return out


def ethernet(packet, vlan=False):
    ethertype = b"\x86\xdd" if packet[0] >> 4 == 6 else b"\x08\x00"
    tag = b"\x81\x00\x00\x05" if vlan else b""
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + tag + ethertype + packet


def pcap_file(frames, linktype, big=False, nano=False):
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, frame in enumerate(frames):
        out += struct.pack(e + "IIII", 1700000000 + i, i, len(frame), len(frame)) + frame
    return out


def pcapng_block(block_type, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", block_type, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def pcapng_file(frames, linktype, keylog="", simple=False):
    out = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += pcapng_block(1, struct.pack("<HHI", linktype, 0, 65535))
    if keylog:
        secrets = keylog.encode() + b"\n"
        out += pcapng_block(10, struct.pack("<II", 0x544C534B, len(secrets)) + secrets)
    for i, frame in enumerate(frames):
        if simple:
            out += pcapng_block(3, struct.pack("<I", len(frame)) + frame)
        else:
            out += pcapng_block(6, struct.pack("<IIIII", 0, 0, i, len(frame), len(frame)) + frame)
    return out


def linux_sll2(packet):
    protocol = 0x86DD if packet[0] >> 4 == 6 else 0x0800
    return struct.pack("!HHIHBB8s", protocol, 0, 1, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + packet



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="the built tree (default: build/)")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    for need in ("kxconform", "kx-driver-openssl", "kx-driver-wolfssl", "pki/pki.json"):
        if not os.path.exists(os.path.join(build, need)):
            sys.exit(f"make_corpus.py: {build}/{need} is missing; run `make build` first")

    corpora = {name: Corpus(name) for name in (
        "base64", "hex", "fqdn", "nfkc", "keyid", "notify", "chunks_json", "tls_records", "dtls_records",
        "vector_file", "driver_dispatch", "driver_call", "keylog", "pcap_read", "http_binding")}
    vectors = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "vectors"))):
        if name.endswith(".json"):
            with open(os.path.join(ROOT, "vectors", name), encoding="utf-8") as f:
                vectors[name] = json.load(f)

    # Vector files: every kind cut short, and the smallest file whole.
    for name, doc in vectors.items():
        corpora["vector_file"].add(name.replace(".json", "-3.json"), small_vector_file(doc, 3))
    keyid_doc = vectors["keyid_test.json"]
    errors = [t for t in keyid_doc["testGroups"][0]["tests"] if "error" in t]
    mixed = dict(keyid_doc, testGroups=[dict(keyid_doc["testGroups"][0],
                                             tests=keyid_doc["testGroups"][0]["tests"][:2] + errors[::6])])
    mixed["numberOfTests"] = len(mixed["testGroups"][0]["tests"])
    corpora["vector_file"].add("keyid_test-errors.json", json.dumps(mixed, indent=2, ensure_ascii=False) + "\n")
    with open(os.path.join(ROOT, "vectors", "enrolment_derivation_test.json"), "rb") as f:
        corpora["vector_file"].add("enrolment_derivation_test.json", f.read())

    # Key identifiers, their relative parts and their domain names.
    keyid_tests = keyid_doc["testGroups"][0]["tests"]
    for t in keyid_tests[::2] + keyid_tests[1::6]:
        corpora["keyid"].add(f"tc{t['tcId']:03d}-{t.get('reading', t.get('error'))}", t["keyId"])
    for t in keyid_tests[::3]:
        at = t["keyId"].rfind("@")
        corpora["fqdn"].add(f"tc{t['tcId']:03d}", t["keyId"][at + 1:] if at >= 0 else t["fqdn"])
        if at > 0:
            corpora["base64"].add(f"keyid-tc{t['tcId']:03d}", t["keyId"][:at])
    for t in keyid_tests[:8]:
        corpora["hex"].add(f"keyIdBytes-tc{t['tcId']:03d}", t["keyIdBytes"])
        corpora["hex"].add(f"keyIdBytes-upper-tc{t['tcId']:03d}", t["keyIdBytes"].upper())
    for t in vectors["tls12_prf_test.json"]["testGroups"][0]["tests"][:6]:
        corpora["hex"].add(f"prf-seed-tc{t['tcId']:03d}", t["seed"])
    corpora["hex"].add("odd-length", "abc")
    corpora["hex"].add("not-hex", "0g")

    # Identifiers that go through NFKC.
    for doc in (vectors["enrolment_derivation_test.json"], vectors["e2e_derivation_test.json"]):
        for group in doc["testGroups"]:
            for t in group["tests"]:
                for key in ("identifier", "enroleeBId"):
                    if key in t:
                        corpora["nfkc"].add(f"{key}-tc{t['tcId']:03d}", t[key])
    corpora["nfkc"].add("ill-formed-overlong", b"\xc0\xaf")
    corpora["nfkc"].add("ill-formed-surrogate", b"\xed\xa0\x80")

    # NOTIFY primitives and the ESCertKE messages in them, from a real run.
    with tempfile.TemporaryDirectory() as out:
        run = [os.path.join(build, "kxconform"), "run", "--output", out]
        for case in ("escertke.tls.openssl-openssl", "escertke.tls.openssl-wolfssl",
                     "escertke.tls.wolfssl-wolfssl", "escertke.tls.openssl-openssl.message3-from-differs",
                     "escertke.tls.wolfssl-openssl.wrong-name"):
            run += ["--filter", case]
        subprocess.run(run, check=False, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "reports", "report.json"), encoding="utf-8") as f:
            report = json.load(f)
    for case in report["cases"]:
        short = case["id"].replace("escertke.tls.", "")
        for flight in case["flights"]:
            if "primitive" not in flight:
                continue
            n = flight["escertke_message"]
            corpora["notify"].add(f"{short}-message{n}-{flight['notify']}.json", flight["primitive"])
            body = next(iter(json.loads(flight["primitive"]).values()))
            if short.count(".") == 0:
                corpora["http_binding"].add(f"{short}-message{n}-{flight['notify']}.http", http_text(body))
            eckm = body["pc"]["m2m:seci"]["eckm"]
            # The negative cases add only the flights that differ from a success.
            if short.count(".") == 0 or n == 3:
                corpora["tls_records"].add(f"escertke-{short}-message{n}", base64.b64decode(eckm))
            if n in (1, 4) and short.count(".") == 0:
                corpora["base64"].add(f"eckm-{short}-message{n}", eckm)

    # The binding's refusals, from a real request with one thing changed.
    request = next(v for k, v in corpora["http_binding"].files.items() if k.endswith("request.http")).decode()
    corpora["http_binding"].add("refused-get.http", request.replace("POST ", "GET ", 1))
    corpora["http_binding"].add("refused-create-ty.http",
                                request.replace("Content-Type: application/json", "Content-Type: application/json;ty=4"))
    corpora["http_binding"].add("refused-no-origin.http", request.replace("X-M2M-Origin", "X-M2M-Orig", 1))
    corpora["http_binding"].add("refused-absolute-to.http", request.replace("POST /~/", "POST /_/sp.example/", 1))

    # Sessions through the drivers: TLS and DTLS flights, answers, request scripts.
    sessions = {
        "tls-psk": ("tls", "0x00AE", PSK_CLIENT, PSK_SERVER, None),
        "tls-cert": ("tls", "0xC023", CERT_CLIENT, CERT_SERVER, None),
        "dtls-psk": ("dtls", "0xC0A8", PSK_CLIENT, PSK_SERVER, 1200),
        "dtls-cert": ("dtls", "0xC0AE", CERT_CLIENT, CERT_SERVER, 1200),
        "dtls-cert-mtu300": ("dtls", "0xC0AE", CERT_CLIENT, CERT_SERVER, 300),
    }
    # Which sessions each pairing plays: enough kinds of flight (fragmented
    # DTLS, HelloVerifyRequest from wolfSSL) within MAX_FILES per corpus.
    plays = [(("openssl", "openssl"), ["tls-psk", "tls-cert", "dtls-psk", "dtls-cert-mtu300"]),
             (("openssl", "wolfssl"), ["tls-cert", "dtls-psk", "dtls-cert"]),
             (("wolfssl", "openssl"), ["tls-psk", "dtls-psk"])]
    conversations = []  # (tag, transport, flights, key log line) for the capture seeds
    for pairing, names in plays:
        for name in names:
            transport, suite, cextra, sextra, mtu = sessions[name]
            client = Driver(build, pairing[0])
            server = client if pairing[0] == pairing[1] else Driver(build, pairing[1])
            flights, answers, info = handshake(client, server, transport, suite, cextra, sextra, mtu)
            conversations.append((f"{name}-{pairing[0]}-{pairing[1]}", transport, flights, info.get("keylog", "")))
            tag = f"{name}-{pairing[0]}-{pairing[1]}"
            for i, (sender, chunks) in enumerate(flights):
                label = f"{tag}-flight{i + 1}-{'client' if sender == 'c' else 'server'}"
                if transport == "dtls":
                    corpora["dtls_records"].add(label, dtls_input(chunks))
                elif pairing == ("openssl", "openssl") or i < 3:
                    corpora["tls_records"].add(label, b"".join(chunks))
            if pairing == ("openssl", "openssl"):
                for i, answer in enumerate(answers[:3]):
                    corpora["chunks_json"].add(f"{tag}-step{i + 1}.json", json.dumps(answer["flight"]))
                steps = [line for line in client.responses if '"flight"' in line]
                corpora["chunks_json"].add(f"{tag}-answer.json", steps[0])
                # Three answers in order, as the driver_call target asks three requests.
                for k in range(0, min(len(client.responses), 9), 3):
                    lines = client.responses[k:k + 3]
                    renumbered = []
                    for j, line in enumerate(lines):
                        answer = json.loads(line)
                        answer["id"] = j
                        renumbered.append(json.dumps(answer, separators=(",", ":")))
                    corpora["driver_call"].add(f"{tag}-answers{k // 3 + 1}.jsonl", "\n".join(renumbered) + "\n")
                corpora["driver_dispatch"].add(f"{tag}-recorded.jsonl", "\n".join(client.requests) + "\n")
            client.close()
            if server is not client:
                server.close()
    for name, (transport, suite, cextra, sextra, mtu) in sessions.items():
        corpora["driver_dispatch"].add(f"{name}-relay.jsonl",
                                       session_script(transport, suite, cextra, sextra, mtu))

    # Captures of those conversations, in the file formats and link layers the reader takes,
    # and their key logs.
    keylogs = [line for _, _, _, line in conversations if line]
    for tag, transport, flights, line in conversations:
        if not tag.endswith("openssl-openssl") and not tag.startswith("dtls-psk-openssl-wolfssl"):
            continue
        frames = [ethernet(p) for p in packets_of(transport, flights)]
        corpora["pcap_read"].add(f"{tag}.pcapng", pcapng_file(frames, 1, line))
        corpora["pcap_read"].add(f"{tag}.pcap", pcap_file(frames, 1))
    tag, transport, flights, line = next(c for c in conversations if c[0] == "tls-cert-openssl-openssl")
    corpora["pcap_read"].add(f"{tag}-reordered-vlan.pcap",
                             pcap_file([ethernet(p, vlan=True) for p in packets_of("tls", flights, reorder=True)], 1))
    corpora["pcap_read"].add(f"{tag}-ipv6-sll2.pcapng",
                             pcapng_file([linux_sll2(p) for p in packets_of("tls", flights, v6=True)], 276, line))
    corpora["pcap_read"].add(f"{tag}-raw-big-endian-nano.pcap",
                             pcap_file(packets_of("tls", flights, mss=500), 101, big=True, nano=True))
    tag, transport, flights, line = next(c for c in conversations if c[0] == "dtls-psk-openssl-openssl")
    corpora["pcap_read"].add(f"{tag}-ipv6-simple-blocks.pcapng",
                             pcapng_file([ethernet(p) for p in packets_of("dtls", flights, v6=True)], 1, line,
                                         simple=True))
    for i, line in enumerate(keylogs[:6]):
        corpora["keylog"].add(f"session{i + 1}.keylog", line + "\n")
    corpora["keylog"].add("all-sessions.keylog", "".join(line + "\n" for line in keylogs))
    random_hex = keylogs[0].split()[1] if keylogs else "00" * 32
    corpora["keylog"].add("comments-crlf-tls13-rsa.keylog",
                          "# SSL/TLS secrets log file, generated by OpenSSL\r\n\r\n" + keylogs[0] + "\r\n"
                          f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {random_hex} {'ab' * 32}\n"
                          f"SERVER_TRAFFIC_SECRET_0\t{random_hex}\t{'cd' * 48}\n"
                          "RSA 0123456789abcdef " + "ef" * 48 + "\n")
    corpora["keylog"].add("cut-short.keylog", keylogs[0][:100])

    # Derivation requests, built from the vectors as kxconform builds them.
    prf = vectors["tls12_prf_test.json"]["testGroups"][0]
    t = prf["tests"][0]
    requests = [
        {"id": 0, "op": "prf", "hash": prf["hash"], "secret": t["secret"], "label": t["label"], "seed": t["seed"],
         "length": len(t["output"]) // 2},
        {"id": 1, "op": "hmac", "hash": "SHA-256", "key": t["secret"], "data": t["seed"]},
    ]
    hk = vectors["hkdf_test.json"]["testGroups"][0]
    t = hk["tests"][0]
    requests.append({"id": 2, "op": "hkdf", "hash": hk["hash"], "ikm": t["ikm"], "salt": t["salt"],
                     "info": t["info"], "length": t["size"]})
    ex = vectors["onem2m_exporter_test.json"]["testGroups"][0]
    t = ex["tests"][0]
    requests.append({"id": 3, "op": "exporter", "hash": ex["hash"], "label": ex["label"],
                     "master_secret": t["masterSecret"], "client_random": t["clientRandom"],
                     "server_random": t["serverRandom"], "length": t["length"], "variant": "randoms-swapped"})
    e2e = vectors["e2e_derivation_test.json"]["testGroups"][0]
    t = e2e["tests"][0]
    requests.append({"id": 4, "op": "e2e", "hash": e2e["hash"], "kpsa": t["kpsa"], "salt": t["salt"],
                     "variant": "hkdf-single-info"})
    requests.append({"id": 5, "op": "e2e", "hash": e2e["hash"], "kpsa": t["kpsa"], "enrolee_b_id": "mn-cse-123456"})
    en = vectors["enrolment_derivation_test.json"]["testGroups"][0]
    t = en["tests"][0]
    requests.append({"id": 6, "op": "enrolment", "derivation": en["derivation"], "ke": t["ke"],
                     "identifier": t["identifier"], "variant": "missing-nfkc"})
    t = keyid_tests[0]
    requests.append({"id": 7, "op": "keyid", "key_id": t["keyIdBytes"], "fqdn": t["fqdn"], "reading": t["reading"]})
    requests.append({"id": 8, "op": "nosuchop"})
    requests.append({"id": 9, "op": "step", "session": "none", "flight": ["FgMDAAE="]})
    for r in requests:
        corpora["driver_dispatch"].add(f"derive-{r['op']}-{r['id']}.jsonl", json.dumps(r) + "\n")

    print("fuzz/corpus:")
    for corpus in corpora.values():
        corpus.write()


if __name__ == "__main__":
    main()
