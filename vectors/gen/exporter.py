"""The RFC 5705 exporter as TS-0003 clause 10.3.1 uses it, with its named
mistakes, and onem2m_exporter_test.json."""
from common import VectorFile, det_source, note
from prf import prf

LABELS = ["EXPORTER-oneM2M-Bootstrap", "EXPORTER-oneM2M-Connection", "EXPORTER-oneM2M-ESCertKE"]
LENGTH = 48
ID_LEN = 16


def export(hash_name, master_secret, label, client_random, server_random):
    """PRF(master_secret, label, client_random | server_random)[48], no context."""
    return prf(hash_name, master_secret, label, client_random + server_random, LENGTH)


# TLS 1.2 suites whose PRF is SHA-384 (RFC 5288, 5289, 5487, 5489, 8442); every other TLS 1.2 suite
# a oneM2M end-point negotiates (CBC_SHA256, CCM, CCM_8, GCM_SHA256) has the default SHA-256 PRF.
SHA384_SUITES = frozenset((0x009D, 0x009F, 0x00A1, 0x00A3, 0x00A5, 0x00A7, 0x00A9, 0x00AB, 0x00AD, 0x00AF,
                           0x00B1, 0x00B3, 0x00B5, 0x00B7, 0x00B9, 0xC024, 0xC026, 0xC028, 0xC02A, 0xC02C,
                           0xC02E, 0xC030, 0xC032, 0xC038, 0xC03B, 0xD002))


def suite_prf_hash(suite):
    """The PRF hash of a negotiated TLS 1.2 suite given as "0xC02C": "SHA-384" or "SHA-256"."""
    return "SHA-384" if int(suite, 16) in SHA384_SUITES else "SHA-256"


def split(output):
    """Reference split: identifier = 16 most significant (first) bytes, key = 32 last."""
    return output[:ID_LEN], output[ID_LEN:]


def split_swapped(output):
    """Mistake split-swapped: identifier = last 16 bytes, key = first 32."""
    return output[LENGTH - ID_LEN:], output[:LENGTH - ID_LEN]


def export_randoms_swapped(hash_name, master_secret, label, client_random, server_random):
    """Mistake randoms-swapped: seed server_random | client_random."""
    return prf(hash_name, master_secret, label, server_random + client_random, LENGTH)


def export_empty_context(hash_name, master_secret, label, client_random, server_random):
    """Mistake empty-context: RFC 5705 with a zero-length context, seed
    client_random | server_random | 0x00 0x00 (the two-byte context length)."""
    return prf(hash_name, master_secret, label, client_random + server_random + b"\x00\x00", LENGTH)


OTHER_PRF_HASH = {"SHA-256": "SHA-384", "SHA-384": "SHA-256"}


def export_wrong_prf_hash(hash_name, master_secret, label, client_random, server_random):
    """Mistake wrong-prf-hash: the PRF with the other hash (SHA-384 for SHA-256 and vice versa)."""
    return prf(OTHER_PRF_HASH[hash_name], master_secret, label, client_random + server_random, LENGTH)


def wrong_labels(label):
    """Mistake wrong-label: (label used, what it is) for each wrong label of docs/mistakes.md."""
    assert label.startswith("EXPORTER-")
    labels = [(other, "another oneM2M label") for other in LABELS if other != label]
    labels += [(label.lower(), "the label in lower case"),
               (label.upper(), "the label in upper case"),
               (label + "\x00", "the label followed by one NUL byte"),
               (label[len("EXPORTER-"):], "the label without its 'EXPORTER-' prefix")]
    assert len({wrong for wrong, _ in labels}) == len(labels) and all(wrong != label for wrong, _ in labels)
    return labels


def export_key_expansion(hash_name, master_secret, label, client_random, server_random):
    """Mistake key-expansion: the first 48 bytes of the TLS key block,
    PRF(master_secret, 'key expansion', server_random | client_random); the label is not used."""
    return prf(hash_name, master_secret, "key expansion", server_random + client_random, LENGTH)


def export_master_secret(hash_name, master_secret, label, client_random, server_random):
    """Mistake master-secret: the 48 bytes of the master secret itself."""
    assert len(master_secret) == LENGTH
    return bytes(master_secret)


# Links: the export is TS-0003 clause 10.3.1 over RFC 5705 section 4 (the seed and the absent context);
# the key block is RFC 5246 section 6.3; the SHA-384 PRF of the _SHA384 suites is RFC 5289 section 3.
EXPORT = ["oneM2M TS-0003 10.3.1", "RFC 5705 4"]
DIFFERENT_KEYS = "both ends derive different keys and key identifiers, and the association fails."

NOTES = {
    "Pseudorandom": note("BASIC", "Ordinary inputs derived deterministically from SHA-256 of the test name.",
                         "An implementation that fails ordinary inputs does not export as TS-0003 says: "
                         + DIFFERENT_KEYS, EXPORT),
    "ZeroInputs": note("EDGE_CASE", "Master secret and both randoms all zero bytes.",
                       "An implementation that treats all-zero inputs as unset exports other bytes than its "
                       "peer for them: " + DIFFERENT_KEYS, EXPORT),
    "EqualRandoms": note("EDGE_CASE", "client_random equals server_random, so their order cannot matter.",
                         "An implementation that fails here gets the seed wrong in more than its order: "
                         + DIFFERENT_KEYS, EXPORT),
    "SplitSwapped": note("MODIFIED_PARAMETER", "Identifier taken from the last 16 bytes and key from the "
                                               "first 32 (spec point 4); output is the correct exporter "
                                               "output.",
                         "Both ends hold different keys and the association fails; worse, the identifier it "
                         "sends in clear (TR-0038 A.4's psk_identity) is 16 bytes of the key a conforming peer "
                         "derived.", ["oneM2M TS-0003 10.3.1", "oneM2M TR-0038 A.4", "kxconform spec point 4"]),
    "RandomsSwapped": note("MODIFIED_PARAMETER", "Seed server_random | client_random (the key-expansion "
                                                 "order) instead of client_random | server_random.",
                           "The seed differs from the peer's: " + DIFFERENT_KEYS, EXPORT),
    "EmptyContext": note("MODIFIED_PARAMETER", "RFC 5705 with a zero-length context: seed client_random | "
                                               "server_random | 0x00 0x00; TS-0003 exports with no context.",
                         "RFC 5705 tells a zero-length context from none, so the seed differs from the peer's: "
                         + DIFFERENT_KEYS, EXPORT),
    "WrongPrfHash": note("WRONG_PRIMITIVE", "The PRF with the other hash: SHA-384 in a SHA-256 group, SHA-256 "
                                            "in a SHA-384 group.",
                         "The export does not follow the negotiated suite's PRF: " + DIFFERENT_KEYS,
                         EXPORT + ["RFC 5289 3"]),
    "WrongLabel": note("MODIFIED_PARAMETER", "Another label than the group's: another oneM2M label, the label "
                                             "in lower or upper case, followed by one NUL byte, or without its "
                                             "'EXPORTER-' prefix (the comment names it).",
                       "Both ends derive different keys and the association fails; with another oneM2M label "
                       "the key is the one another procedure (bootstrap, MAF connection, ESCertKE) would "
                       "derive from the session, so the procedures' keys are no longer separate.", EXPORT),
    "KeyExpansion": note("WRONG_PRIMITIVE", "The first 48 bytes of the TLS key block, PRF(master_secret, 'key "
                                            "expansion', server_random | client_random), instead of an export.",
                         "The 'exported' key is the session's own MAC and encryption keys: whoever learns it "
                         "can read and forge the TLS session's records; and the peer derives a different key.",
                         EXPORT + ["RFC 5246 6.3"]),
    "MasterSecretExported": note("MISSING_STEP", "The 48 bytes of the master secret itself instead of the "
                                                 "exporter output.",
                                 "The 'exported' key is the master secret: whoever learns it can decrypt and "
                                 "forge the whole TLS session; and the peer derives a different key.", EXPORT),
}

# Mistakes other than split-swapped and wrong-label: (variant, flag, function, comment).
MISTAKES = [
    ("randoms-swapped", "RandomsSwapped", export_randoms_swapped, "seed server_random | client_random"),
    ("empty-context", "EmptyContext", export_empty_context, "RFC 5705 with a zero-length context"),
    ("wrong-prf-hash", "WrongPrfHash", export_wrong_prf_hash, "the PRF with the other hash"),
    ("key-expansion", "KeyExpansion", export_key_expansion, "the TLS key block instead of an export"),
    ("master-secret", "MasterSecretExported", export_master_secret, "the master secret itself"),
]


def _fields(ms, cr, sr, output, key_id, key):
    return {"masterSecret": ms.hex(), "clientRandom": cr.hex(), "serverRandom": sr.hex(),
            "length": LENGTH, "output": output.hex(), "keyId": key_id.hex(), "key": key.hex()}


def build():
    vf = VectorFile(
        "onem2m_exporter_test.json", "ONEM2M-EXPORTER", "onem2m_exporter_test_schema_v1.json",
        ["RFC 5705 exporter without context as TS-0003 clause 10.3.1 uses it: "
         "PRF(master_secret, label, client_random | server_random), 48 bytes.",
         "keyId = the 16 most significant (first) bytes, key = the 32 least significant (last) bytes.",
         "Invalid tests carry the outputs of the mistake their variant names (docs/mistakes.md): for "
         "split-swapped the reference output split the wrong way, for every other variant the mistaken "
         "output split the reference way.",
         "Generated by vectors/gen (Python hmac/hashlib); the PRF is anchored in tls12_prf_test.json."],
        NOTES)
    for hash_name in ("SHA-256", "SHA-384"):
        for label in LABELS:
            group = vf.group("OneM2mExporterTest", hash=hash_name, label=label)

            d = det_source("exporter", hash_name, label)

            def valid(comment, flags, ms, cr, sr):
                out = export(hash_name, ms, label, cr, sr)
                vf.add(group, comment, flags, "valid", _fields(ms, cr, sr, out, *split(out)))

            for i in range(3):
                valid("pseudorandom inputs %d" % (i + 1), ["Pseudorandom"],
                      d("ms%d" % i, 48), d("cr%d" % i, 32), d("sr%d" % i, 32))
            valid("all-zero master secret and randoms", ["ZeroInputs"], bytes(48), bytes(32), bytes(32))
            same = d("eq", 32)
            valid("client_random equal to server_random", ["EqualRandoms"], d("eq-ms", 48), same, same)

            for i in range(2):
                ms, cr, sr = d("ss-ms%d" % i, 48), d("ss-cr%d" % i, 32), d("ss-sr%d" % i, 32)
                out = export(hash_name, ms, label, cr, sr)
                key_id, key = split_swapped(out)
                assert (key_id, key) != split(out)
                vf.add(group, "identifier and key swapped in the split", ["SplitSwapped"], "invalid",
                       _fields(ms, cr, sr, out, key_id, key), {"variant": "split-swapped"})
            for name, flag, func, what in MISTAKES:
                tag = {"randoms-swapped": "rs"}.get(name, name)  # rs: the inputs generator 1.0.0 used
                for i in range(2):
                    ms = d("%s-ms%d" % (tag, i), 48)
                    cr, sr = d("%s-cr%d" % (tag, i), 32), d("%s-sr%d" % (tag, i), 32)
                    out = func(hash_name, ms, label, cr, sr)
                    assert out != export(hash_name, ms, label, cr, sr), name
                    vf.add(group, what, [flag], "invalid", _fields(ms, cr, sr, out, *split(out)),
                           {"variant": name})
            for i, (wrong, what) in enumerate(wrong_labels(label)):
                ms, cr, sr = d("wl-ms%d" % i, 48), d("wl-cr%d" % i, 32), d("wl-sr%d" % i, 32)
                out = export(hash_name, ms, wrong, cr, sr)
                assert out != export(hash_name, ms, label, cr, sr)
                shown = "'%s' + 0x00" % wrong[:-1] if wrong.endswith("\x00") else "'%s'" % wrong
                vf.add(group, "label %s: %s" % (shown, what), ["WrongLabel"], "invalid",
                       _fields(ms, cr, sr, out, *split(out)), {"variant": "wrong-label"})
    return vf.filename, vf.finish()
