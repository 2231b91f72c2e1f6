"""RFC 5869 HKDF (extract and expand) and hkdf_test.json."""
import hmac

from common import HASHES, VectorFile, block_len, check_anchor, det_source, hash_len, note


def extract(hash_name, salt, ikm):
    if not salt:
        salt = bytes(hash_len(hash_name))
    return hmac.new(salt, ikm, HASHES[hash_name]).digest()


def expand(hash_name, prk, info, size):
    if size > 255 * hash_len(hash_name):
        raise ValueError("HKDF output too long")
    okm = b""
    block = b""
    counter = 1
    while len(okm) < size:
        block = hmac.new(prk, block + info + bytes([counter]), HASHES[hash_name]).digest()
        okm += block
        counter += 1
    return okm[:size]


# RFC 5869 appendix A, test cases 1 to 3 (SHA-256), as published.
RFC5869 = [
    {
        "case": 1,
        "ikm": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "salt": "000102030405060708090a0b0c",
        "info": "f0f1f2f3f4f5f6f7f8f9",
        "size": 42,
        "prk": "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "okm": "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
               "34007208d5b887185865",
        "flags": ["Rfc5869"],
    },
    {
        "case": 2,
        "ikm": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
               "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
               "404142434445464748494a4b4c4d4e4f",
        "salt": "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "info": "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
                "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
                "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "size": 82,
        "prk": "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "okm": "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
               "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
               "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        "flags": ["Rfc5869", "LongSalt", "LongIkm", "LongInfo"],
    },
    {
        "case": 3,
        "ikm": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "salt": "",
        "info": "",
        "size": 42,
        "prk": "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "okm": "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
               "9d201395faa4b61a96c8",
        "flags": ["Rfc5869", "EmptySalt", "EmptyInfo"],
    },
]

# Links: RFC 5869 section 2.2 (extract), 2.3 (expand), appendix A (its test cases); HMAC's treatment of
# long keys is RFC 2104 section 2.
EXTRACT, EXPAND = "RFC 5869 2.2", "RFC 5869 2.3"
DIFFERENT_KEYS = "every key derived with it differs from a conforming peer's, and what they protect fails."

NOTES = {
    "Rfc5869": note("BASIC", "RFC 5869 appendix A test case (SHA-256), a known answer computed by others.",
                    "An implementation that fails RFC 5869's own test cases does not compute HKDF: "
                    + DIFFERENT_KEYS, [EXTRACT, EXPAND, "RFC 5869 A"]),
    "Pseudorandom": note("BASIC", "Ordinary inputs derived deterministically from SHA-256 of the test name.",
                         "An implementation that fails ordinary inputs does not compute HKDF: " + DIFFERENT_KEYS,
                         [EXTRACT, EXPAND]),
    "EmptySalt": note("EDGE_CASE", "Empty salt: RFC 5869 replaces it with HashLen zero bytes.",
                      "An implementation that refuses an empty salt, or does not replace it with HashLen zero "
                      "bytes, derives nothing or other keys than its peer when no salt is given.", [EXTRACT]),
    "EmptyInfo": note("EDGE_CASE", "Empty info string.",
                      "An implementation that refuses or mishandles an empty info string derives nothing or other "
                      "keys than its peer from it.", [EXPAND]),
    "LongSalt": note("EDGE_CASE", "Salt longer than the hash block (64 bytes for SHA-256, 128 for SHA-512): "
                                  "HMAC hashes the key first.",
                     "An HMAC that does not hash a key longer than the block first derives another PRK than its "
                     "peer for such salts.", [EXTRACT, "RFC 2104 2"]),
    "LongIkm": note("EDGE_CASE", "Input keying material longer than the hash block.",
                    "An implementation that cuts or mishandles long input keying material derives another PRK "
                    "than its peer for it.", [EXTRACT]),
    "LongInfo": note("EDGE_CASE", "Info string longer than the hash block.",
                     "An implementation that cuts or mishandles a long info string derives other keys than its "
                     "peer for it.", [EXPAND]),
    "ShortOutput": note("EDGE_CASE", "One byte of output.",
                        "An implementation that cannot cut the output below one hash length gives other bytes, "
                        "or another length, than its peer for such requests.", [EXPAND]),
    "MaxOutputSize": note("EDGE_CASE", "The largest output RFC 5869 allows: 255 * HashLen bytes.",
                          "An implementation that refuses the largest output RFC 5869 allows, or whose one-byte "
                          "counter wraps, fails or derives other keys than its peer at that length.", [EXPAND]),
    "ExtractArgsSwapped": note("MODIFIED_PARAMETER", "PRK = HMAC-Hash(IKM, salt): key and message swapped; OKM "
                                                     "expanded from that PRK as the reference.",
                               "The PRK, and every key expanded from it, differs from a conforming peer's, so "
                               "what they protect fails.", [EXTRACT]),
}


def extract_swapped(hash_name, salt, ikm):
    """Mistake extract-swapped: PRK = HMAC-Hash(IKM, salt), key and message swapped."""
    assert salt, "the tests of extract-swapped have a salt"
    return hmac.new(ikm, salt, HASHES[hash_name]).digest()


def self_test():
    for case in RFC5869:
        ikm, salt, info = (bytes.fromhex(case[k]) for k in ("ikm", "salt", "info"))
        prk = extract("SHA-256", salt, ikm)
        check_anchor("RFC 5869 A.%d PRK" % case["case"], case["prk"], prk.hex())
        check_anchor("RFC 5869 A.%d OKM" % case["case"], case["okm"],
                     expand("SHA-256", prk, info, case["size"]).hex())


def _add(vf, group, comment, flags, ikm, salt, info, size):
    hash_name = group["hash"]
    prk = extract(hash_name, salt, ikm)
    vf.add(group, comment, flags, "valid", {
        "ikm": ikm.hex(), "salt": salt.hex(), "info": info.hex(), "size": size,
        "prk": prk.hex(), "okm": expand(hash_name, prk, info, size).hex()})


def build():
    self_test()
    vf = VectorFile(
        "hkdf_test.json", "HKDF", "hkdf_test_schema_v1.json",
        ["RFC 5869 HKDF: PRK = HMAC-Hash(salt, IKM), OKM = T(1) | T(2) | ... with "
         "T(i) = HMAC-Hash(PRK, T(i-1) | info | i).",
         "Anchors (flag Rfc5869): RFC 5869 appendix A test cases 1 to 3, reproduced by the generator.",
         "Invalid tests carry the prk and okm of the mistake their variant names (docs/mistakes.md).",
         "Other tests are generated by vectors/gen (Python hmac/hashlib)."],
        NOTES)
    for hash_name, group in vf.hash_groups("HkdfTest", ("SHA-256", "SHA-512")):
        hl, bl = hash_len(hash_name), block_len(hash_name)
        if hash_name == "SHA-256":
            for case in RFC5869:
                vf.add(group, "RFC 5869 appendix A.%d" % case["case"], case["flags"], "valid", {
                    k: case[k] for k in ("ikm", "salt", "info", "size", "prk", "okm")})

        d = det_source("hkdf", hash_name)

        for size in (1, 12, 42, hl, hl + 1, 100, 200):
            flags = ["ShortOutput"] if size == 1 else ["Pseudorandom"]
            _add(vf, group, "%d bytes of output" % size, flags,
                 d("ikm%d" % size, 32), d("salt%d" % size, 32), d("info%d" % size, 10), size)
        _add(vf, group, "empty salt", ["EmptySalt"], d("es-ikm", 32), b"", d("es-info", 10), 42)
        _add(vf, group, "empty info", ["EmptyInfo"], d("ei-ikm", 32), d("ei-salt", 32), b"", 42)
        _add(vf, group, "empty salt and empty info", ["EmptySalt", "EmptyInfo"],
             d("esei-ikm", 32), b"", b"", hl)
        _add(vf, group, "salt one byte longer than the hash block", ["LongSalt"],
             d("ls1-ikm", 32), d("ls1-salt", bl + 1), d("ls1-info", 10), 42)
        _add(vf, group, "200-byte salt", ["LongSalt"],
             d("ls2-ikm", 32), d("ls2-salt", 200), d("ls2-info", 10), 42)
        _add(vf, group, "salt exactly one hash block", ["Pseudorandom"],
             d("lsb-ikm", 32), d("lsb-salt", bl), d("lsb-info", 10), 42)
        _add(vf, group, "300-byte input keying material", ["LongIkm"],
             d("li-ikm", 300), d("li-salt", 32), d("li-info", 10), 42)
        _add(vf, group, "200-byte info", ["LongInfo"],
             d("lf-ikm", 32), d("lf-salt", 32), d("lf-info", 200), 2 * hl)
        if hash_name == "SHA-256":
            _add(vf, group, "255 * HashLen bytes of output", ["MaxOutputSize"],
                 d("max-ikm", 32), d("max-salt", 32), d("max-info", 10), 255 * hl)
        for i, (ikm_len, salt_len, size) in enumerate(((32, 32, 42), (22, 13, 2 * hl))):
            ikm, salt, info = d("xs-ikm%d" % i, ikm_len), d("xs-salt%d" % i, salt_len), d("xs-info%d" % i, 10)
            prk = extract_swapped(hash_name, salt, ikm)
            okm = expand(hash_name, prk, info, size)
            assert prk != extract(hash_name, salt, ikm)
            assert okm != expand(hash_name, extract(hash_name, salt, ikm), info, size)
            vf.add(group, "PRK = HMAC-Hash(IKM, salt), %d bytes of output" % size, ["ExtractArgsSwapped"],
                   "invalid", {"ikm": ikm.hex(), "salt": salt.hex(), "info": info.hex(), "size": size,
                               "prk": prk.hex(), "okm": okm.hex()}, {"variant": "extract-swapped"})
    return vf.filename, vf.finish()
