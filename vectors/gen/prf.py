"""The TLS 1.2 PRF of RFC 5246 section 5 and tls12_prf_test.json."""
import hmac

from common import HASHES, VectorFile, block_len, check_anchor, det_source, hash_len, note


def p_hash(hash_name, secret, seed, length):
    """P_hash(secret, seed): A(0) = seed, A(i) = HMAC(secret, A(i-1)),
    output HMAC(secret, A(1) | seed) | HMAC(secret, A(2) | seed) | ..."""
    digest = HASHES[hash_name]
    out = b""
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, digest).digest()
        out += hmac.new(secret, a + seed, digest).digest()
    return out[:length]


def prf(hash_name, secret, label, seed, length):
    """PRF(secret, label, seed) = P_hash(secret, label | seed); label is ASCII."""
    return p_hash(hash_name, secret, label.encode("ascii") + seed, length)


# The IETF TLS working group's TLS 1.2 PRF test vectors (posted to the TLS list,
# https://www.ietf.org/mail-archive/web/tls/current/msg03416.html).
IETF = [
    {
        "hash": "SHA-256",
        "secret": "9bbe436ba940f017b17652849a71db35",
        "label": "test label",
        "seed": "a0ba9f936cda311827a6f796ffd5198c",
        "output": "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                  "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                  "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                  "87347b66",
    },
    {
        "hash": "SHA-384",
        "secret": "b80b733d6ceefcdc71566ea48e5567df",
        "label": "test label",
        "seed": "cd665cf6a8447dd6ff8b27555edb7465",
        "output": "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
                  "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
                  "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                  "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
                  "91c8f3a26854308d5eaa3be85e0990703d73e56f",
    },
]

LABELS = ["master secret", "key expansion", "extended master secret", "client finished",
          "server finished", "EXPORTER-oneM2M-Connection"]

# Links: the PRF is RFC 5246 section 5; HMAC's treatment of long and empty keys is RFC 2104 section 2;
# the SHA-384 PRF of the _SHA384 suites is RFC 5289 section 3.
PRF = ["RFC 5246 5"]
DIFFERENT_KEYS = ("Every key and export computed with the PRF then differs from a conforming peer's: the handshake "
                  "fails at Finished, or both ends derive different oneM2M keys and the association fails.")

NOTES = {
    "IetfPrfVector": note("BASIC", "The IETF TLS working group's TLS 1.2 PRF test vector for this hash, "
                                   "a known answer computed by others.",
                          "An implementation that fails it does not compute the TLS 1.2 PRF. " + DIFFERENT_KEYS,
                          PRF),
    "Pseudorandom": note("BASIC", "Ordinary inputs derived deterministically from SHA-256 of the test name.",
                         "An implementation that fails ordinary inputs does not compute the TLS 1.2 PRF. "
                         + DIFFERENT_KEYS, PRF),
    "ShortOutput": note("EDGE_CASE", "One byte of output.",
                        "An implementation that cannot cut P_hash to a length shorter than one hash output "
                        "gives other bytes, or another length, than its peer for such requests.", PRF),
    "EmptySecret": note("EDGE_CASE", "Empty secret (HMAC key of length 0).",
                        "An implementation that refuses or mishandles an empty HMAC key derives nothing, or "
                        "other bytes than its peer, from an empty secret.", PRF + ["RFC 2104 2"]),
    "EmptySeed": note("EDGE_CASE", "Empty seed: P_hash runs on the label alone.",
                      "An implementation that refuses or mishandles an empty seed derives other bytes than its "
                      "peer from it.", PRF),
    "EmptyLabel": note("EDGE_CASE", "Empty label: P_hash runs on the seed alone.",
                       "An implementation that refuses or mishandles an empty label derives other bytes than its "
                       "peer from it.", PRF),
    "LongSecret": note("EDGE_CASE", "Secret longer than the hash block (64 bytes for SHA-256, 128 for "
                                    "SHA-384): HMAC hashes the key first.",
                       "An HMAC that does not hash a key longer than the block first derives other bytes than "
                       "its peer whenever the secret is that long.", PRF + ["RFC 2104 2"]),
    "LongSeed": note("EDGE_CASE", "Label and seed together longer than two hash blocks.",
                     "An implementation that cuts or mishandles a long label and seed derives other bytes than "
                     "its peer for them.", PRF),
    "WrongPrfHash": note("WRONG_PRIMITIVE", "The PRF with the other hash: SHA-384 in the SHA-256 group, SHA-256 "
                                            "in the SHA-384 group; output of the requested length.",
                         "Under a suite whose PRF hash is the other one, the handshake fails at Finished, or, "
                         "where only the export uses the wrong PRF, both ends derive different keys and the "
                         "association fails.", PRF + ["RFC 5289 3"]),
}


OTHER_HASH = {"SHA-256": "SHA-384", "SHA-384": "SHA-256"}


def prf_wrong_hash(hash_name, secret, label, seed, length):
    """Mistake wrong-prf-hash: the PRF with the other of SHA-256 and SHA-384."""
    return prf(OTHER_HASH[hash_name], secret, label, seed, length)


def self_test():
    for vec in IETF:
        out = prf(vec["hash"], bytes.fromhex(vec["secret"]), vec["label"], bytes.fromhex(vec["seed"]),
                  len(vec["output"]) // 2)
        check_anchor("IETF TLS 1.2 PRF %s" % vec["hash"], vec["output"], out.hex())


def _add(vf, group, comment, flags, secret, label, seed, length):
    vf.add(group, comment, flags, "valid", {
        "secret": secret.hex(), "label": label, "seed": seed.hex(),
        "output": prf(group["hash"], secret, label, seed, length).hex()})


def build():
    self_test()
    vf = VectorFile(
        "tls12_prf_test.json", "TLS12-PRF", "tls12_prf_test_schema_v1.json",
        ["TLS 1.2 PRF (RFC 5246 section 5): PRF(secret, label, seed) = P_hash(secret, label | seed).",
         "The length of output is the requested length.",
         "Anchors (flag IetfPrfVector): the IETF TLS working group's PRF test vectors for SHA-256 and "
         "SHA-384, reproduced by the generator.",
         "Invalid tests carry the output of the mistake their variant names (docs/mistakes.md).",
         "Other tests are generated by vectors/gen (Python hmac/hashlib)."],
        NOTES)
    for hash_name, group in vf.hash_groups("Tls12PrfTest", ("SHA-256", "SHA-384")):
        for vec in IETF:
            if vec["hash"] == hash_name:
                vf.add(group, "IETF TLS WG PRF test vector", ["IetfPrfVector"], "valid", {
                    k: vec[k] for k in ("secret", "label", "seed", "output")})
        hl, bl = hash_len(hash_name), block_len(hash_name)

        d = det_source("prf", hash_name)

        for i, length in enumerate((1, 12, 32, 48, hl + 1, 100, 200)):
            label = LABELS[i % len(LABELS)]
            flags = ["ShortOutput"] if length == 1 else ["Pseudorandom"]
            _add(vf, group, "%d bytes of output, label '%s'" % (length, label), flags,
                 d("secret%d" % length, 48), label, d("seed%d" % length, 64), length)
        _add(vf, group, "empty secret", ["EmptySecret"], b"", "master secret", d("es-seed", 64), 48)
        _add(vf, group, "empty seed", ["EmptySeed"], d("ed-secret", 48), "key expansion", b"", 48)
        _add(vf, group, "empty label", ["EmptyLabel"], d("el-secret", 48), "", d("el-seed", 64), 48)
        _add(vf, group, "secret one byte longer than the hash block", ["LongSecret"],
             d("ls1-secret", bl + 1), "master secret", d("ls1-seed", 64), 48)
        _add(vf, group, "200-byte secret", ["LongSecret"],
             d("ls2-secret", 200), "extended master secret", d("ls2-seed", 32), 100)
        _add(vf, group, "300-byte seed", ["LongSeed"],
             d("lsd-secret", 48), "key expansion", d("lsd-seed", 300), 72)
        for i, (label, length) in enumerate((("master secret", 48), ("EXPORTER-oneM2M-Connection", 48),
                                             ("key expansion", 104))):
            secret, seed = d("wh-secret%d" % i, 48), d("wh-seed%d" % i, 64)
            out = prf_wrong_hash(hash_name, secret, label, seed, length)
            assert out != prf(hash_name, secret, label, seed, length)
            vf.add(group, "PRF with %s instead of %s, label '%s'" % (OTHER_HASH[hash_name], hash_name, label),
                   ["WrongPrfHash"], "invalid",
                   {"secret": secret.hex(), "label": label, "seed": seed.hex(), "output": out.hex()},
                   {"variant": "wrong-prf-hash"})
    return vf.filename, vf.finish()
