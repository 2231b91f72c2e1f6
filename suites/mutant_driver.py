#!/usr/bin/env python3
"""A vendor's driver that makes exactly one mistake of docs/mistakes.md.

It runs a reference driver behind it for the handshakes and rewrites every
value a stack with that mistake would get wrong: its derivation answers
(exporter, keyid, e2e, enrolment, prf, hkdf) and what it reports of its own
sessions (the export, its split, its key identifier, its Kpsa and E2E keys).
The mistaken values come from the vector generator (vectors/gen), which shares
no code with the harness. Its hello lists only the reference variants, as a
vendor's would.

usage: mutant_driver.py REFERENCE_DRIVER MISTAKE   (MISTAKE "none": no mistake)
"""
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vectors" / "gen"))
import e2e  # noqa: E402
import enrolment  # noqa: E402
import exporter  # noqa: E402
import hkdf  # noqa: E402
import prf as tls_prf  # noqa: E402

REAL, MISTAKE = sys.argv[1], sys.argv[2]

EXPORT = {
    "randoms-swapped": exporter.export_randoms_swapped,
    "empty-context": exporter.export_empty_context,
    "wrong-prf-hash": exporter.export_wrong_prf_hash,
    "key-expansion": exporter.export_key_expansion,
    "master-secret": exporter.export_master_secret,
    "wrong-label": lambda h, ms, label, cr, sr: exporter.export(h, ms, label.lower(), cr, sr),
}
E2E = {
    "hkdf-single-info": e2e.variant_hkdf_single_info,
    "hkdf-per-key": e2e.variant_hkdf_per_key,
    "label-trailing-nul": e2e.variant_label_trailing_nul,
    "extract-swapped": e2e.variant_extract_swapped,
    "counter-from-zero": e2e.variant_counter_from_zero,
    "counter-constant": e2e.variant_counter_constant,
    "unchained": e2e.variant_unchained,
    "t-order": e2e.variant_t_order,
    "wrong-hash": e2e.variant_wrong_hash,
    "salt-missing": lambda h, salt, kpsa: e2e.derive(h, b"", kpsa),
    "truncated": lambda h, salt, kpsa: (e2e.variant_truncated(h, salt, kpsa) if h == "SHA-512"
                                        else e2e.derive(h, salt, kpsa)),
}
ENROLMENT = {
    "labels-exchanged": enrolment.derive_labels_exchanged,
    "separator": lambda d, ke, i: enrolment.derive_separator(d, ke, i, b"\x00"),
    "identifier-first": enrolment.derive_identifier_first,
    "hmac-swapped": enrolment.derive_hmac_swapped,
    "no-identifier": enrolment.derive_no_identifier,
    "missing-nfkc": enrolment.derive_missing_nfkc,
    "nfc-not-nfkc": enrolment.derive_nfc_not_nfkc,
}
SALTS = {  # E2E salt mistakes: the salt from the Enrolee-B-ID
    "e2e-missing-nfkc": lambda enrolee: enrolee.encode("utf-8"),
    "e2e-nfc-not-nfkc": lambda enrolee: unicodedata.normalize("NFC", enrolee).encode("utf-8"),
}


def prf_hash(suite):
    """The TLS 1.2 PRF hash of a negotiated suite ("0xC02C"); a stack with prf-sha256-always
    ignores the suite."""
    return "SHA-256" if MISTAKE == "prf-sha256-always" else exporter.suite_prf_hash(suite)


def export_of(hash_name, ms, label, cr, sr):
    return EXPORT.get(MISTAKE, exporter.export)(hash_name, ms, label, cr, sr)


def split_of(out):
    return exporter.split_swapped(out) if MISTAKE == "split-swapped" else exporter.split(out)


def keyid_of(key_id, key, fqdn):
    b64 = base64.b64encode
    relative = {
        "tr0038-example": lambda: b64(key_id.hex().upper().encode()).decode(),
        "hexbinary": lambda: key_id.hex().upper(),
        "base64url": lambda: base64.urlsafe_b64encode(key_id).decode(),
        "unpadded": lambda: b64(key_id).decode().rstrip("="),
        "keyid-from-key": lambda: b64(key).decode() if key is not None else b64(key_id).decode(),
    }.get(MISTAKE, lambda: b64(key_id).decode())()
    host = {"fqdn-case": fqdn.upper(), "fqdn-trailing-dot": fqdn + "."}.get(MISTAKE, fqdn)
    return relative + "@" + host


def kpsa_of(ke, identifier):
    return ENROLMENT.get(MISTAKE, enrolment.derive)("Kpsa", ke, identifier)


def e2e_of(hash_name, kpsa, salt, enrolee):
    if enrolee is not None and MISTAKE in SALTS:
        salt = SALTS[MISTAKE](enrolee)
    return E2E.get(MISTAKE, e2e.derive)(hash_name, salt, kpsa)


def keys_json(master, blocks):
    return {"master": master.hex(), "t": [b.hex() for b in blocks]}


def rewrite(request, answer):
    op = request.get("op")
    if not answer.get("ok"):
        return answer
    if op == "exporter" and request.get("length") == 48:
        hash_name = "SHA-256" if MISTAKE == "prf-sha256-always" else request["hash"]
        out = export_of(hash_name, bytes.fromhex(request["master_secret"]), request["label"],
                        bytes.fromhex(request["client_random"]), bytes.fromhex(request["server_random"]))
        key_id, key = split_of(out)
        answer.update(out=out.hex(), key_id=key_id.hex(), key=key.hex())
    elif op == "keyid" and request.get("reading", "reference") == "reference":
        answer["keyid"] = keyid_of(bytes.fromhex(request["key_id"]), None, request["fqdn"])
    elif op == "enrolment":
        answer["out"] = ENROLMENT.get(MISTAKE, enrolment.derive)(
            request["derivation"], bytes.fromhex(request["ke"]), request["identifier"]).hex()
    elif op == "e2e":
        enrolee = request.get("enrolee_b_id")
        salt = (unicodedata.normalize("NFKC", enrolee).encode("utf-8") if enrolee is not None
                else bytes.fromhex(request["salt"]))
        answer.update(keys_json(*e2e_of(request["hash"], bytes.fromhex(request["kpsa"]), salt, enrolee)))
    elif op == "prf" and MISTAKE == "wrong-prf-hash":
        other = {"SHA-256": "SHA-384", "SHA-384": "SHA-256"}[request["hash"]]
        answer["out"] = tls_prf.prf(other, bytes.fromhex(request["secret"]), request["label"],
                                    bytes.fromhex(request["seed"]), request["length"]).hex()
    elif op == "hkdf" and MISTAKE == "extract-swapped":
        h = request["hash"]
        prk = hmac.new(bytes.fromhex(request["ikm"]), bytes.fromhex(request["salt"]),
                       getattr(hashlib, h.replace("-", "").lower())).digest()
        answer.update(prk=prk.hex(), okm=hkdf.expand(h, prk, bytes.fromhex(request["info"]), request["length"]).hex())
    elif op == "info":
        rewrite_info(request, answer)
    return answer


def rewrite_info(request, answer):
    """A stack with the mistake reports its own session's values with it."""
    for item in request.get("export", []):
        label = item["label"]
        if item.get("length") != 48 or label not in answer.get("exported", {}):
            continue
        out = export_of(prf_hash(answer["suite"]), bytes.fromhex(answer["master_secret"]), label,
                        bytes.fromhex(answer["client_random"]), bytes.fromhex(answer["server_random"]))
        key_id, key = split_of(out)
        answer["exported"][label] = out.hex()
        answer.setdefault("split", {})[label] = {"key_id": key_id.hex(), "key": key.hex()}
        if "fqdn" in request:
            answer["keyid"] = keyid_of(key_id, key, request["fqdn"])
        spec = request.get("e2e")
        if spec is not None:
            enrolee = spec["enrolee_b_id"]
            kpsa = kpsa_of(key, enrolee)
            derived = {"kpsa": kpsa.hex()}
            salt = unicodedata.normalize("NFKC", enrolee).encode("utf-8")
            for hash_name in spec["hashes"]:
                derived[hash_name] = keys_json(*e2e_of(hash_name, kpsa, salt, enrolee))
            answer["e2e"] = derived
        break


def main():
    real = subprocess.Popen([REAL], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    hello = json.loads(real.stdout.readline())
    hello["driver"] = "vendor"
    hello["implementation"] = "a stack that makes the mistake %s" % MISTAKE
    hello["capabilities"]["variants"] = {op: ["reference"] for op in hello["capabilities"]["variants"]}
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        real.stdin.write(line if line.endswith("\n") else line + "\n")
        real.stdin.flush()
        if request.get("op") == "bye":
            break
        answer = json.loads(real.stdout.readline())
        print(json.dumps(rewrite(request, answer)), flush=True)
    real.stdin.close()
    real.wait()


if __name__ == "__main__":
    main()
