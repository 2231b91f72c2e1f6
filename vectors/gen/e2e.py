"""TS-0003 clause 10.3.6 end-to-end key derivation, its named mistakes, and
e2e_derivation_test.json."""
import hmac
import unicodedata

import hkdf
from common import HASHES, VectorFile, block_len, det_source, hash_len, note

LABELS = [b"E2E Message Authentication Key", b"E2E Message Confidentiality Key",
          b"E2E Attribute Authenticity Key", b"E2E Attribute Confidentiality Key"]

TR0038_KPSA = bytes.fromhex("1a2b3c4d5e6f7a8b")  # TR-0038 Table 7.1.2-1 and A.2 example PSK


def _hmac(hash_name, key, msg):
    return hmac.new(key, msg, HASHES[hash_name]).digest()


def master(hash_name, salt, kpsa):
    """Ke2e_master = HMAC-Hash(Salt, Kpsa): the salt is the HMAC key."""
    return _hmac(hash_name, salt, kpsa)


def expand(hash_name, ke2e_master, terminator=b"", counter=lambda i: i, chained=True):
    """Clause 10.3.6.1 as written: T(i) = HMAC-Hash(Ke2e_master, T(i-1) | label_i | i).
    The keyword arguments model mistakes: a terminator after each label, another
    counter byte counter(i), T(i-1) left out (chained=False)."""
    blocks = []
    prev = b""
    for i, label in enumerate(LABELS, 1):
        prev = _hmac(hash_name, ke2e_master, (prev if chained else b"") + label + terminator + bytes([counter(i)]))
        blocks.append(prev)
    return blocks


def derive(hash_name, salt, kpsa):
    m = master(hash_name, salt, kpsa)
    return m, expand(hash_name, m)


def variant_hkdf_single_info(hash_name, salt, kpsa):
    m = master(hash_name, salt, kpsa)
    hl = hash_len(hash_name)
    okm = hkdf.expand(hash_name, m, LABELS[0], 4 * hl)
    return m, [okm[i * hl:(i + 1) * hl] for i in range(4)]


def variant_hkdf_per_key(hash_name, salt, kpsa):
    m = master(hash_name, salt, kpsa)
    return m, [_hmac(hash_name, m, label + b"\x01") for label in LABELS]


def variant_label_trailing_nul(hash_name, salt, kpsa):
    m = master(hash_name, salt, kpsa)
    return m, expand(hash_name, m, terminator=b"\x00")


def variant_extract_swapped(hash_name, salt, kpsa):
    m = _hmac(hash_name, kpsa, salt)
    return m, expand(hash_name, m)


def variant_counter_from_zero(hash_name, salt, kpsa):
    """The counter byte is i - 1."""
    m = master(hash_name, salt, kpsa)
    return m, expand(hash_name, m, counter=lambda i: i - 1)


def variant_counter_constant(hash_name, salt, kpsa):
    """The counter byte is always 0x01, the chain kept."""
    m = master(hash_name, salt, kpsa)
    return m, expand(hash_name, m, counter=lambda i: 1)


def variant_unchained(hash_name, salt, kpsa):
    """T(i) = HMAC-Hash(Ke2e_master, label_i | i): T(i-1) left out."""
    m = master(hash_name, salt, kpsa)
    return m, expand(hash_name, m, chained=False)


T_ORDER = (2, 1, 4, 3)


def variant_t_order(hash_name, salt, kpsa):
    """The reference keys in another order: t1..t4 = T(2), T(1), T(4), T(3)."""
    m, blocks = derive(hash_name, salt, kpsa)
    return m, [blocks[j - 1] for j in T_ORDER]


OTHER_HASH = {"SHA-256": "SHA-512", "SHA-512": "SHA-256"}


def variant_wrong_hash(hash_name, salt, kpsa):
    """Ke2e_master and every key computed with the other hash (SHA-512 for SHA-256 and vice versa)."""
    return derive(OTHER_HASH[hash_name], salt, kpsa)


TRUNCATED_LEN = 32


def variant_truncated(hash_name, salt, kpsa):
    """The HMAC-SHA-512 keys cut to 32 bytes (spec point 13); Ke2e_master as the reference."""
    assert hash_name == "SHA-512"
    m, blocks = derive(hash_name, salt, kpsa)
    return m, [block[:TRUNCATED_LEN] for block in blocks]


def variant_salt_missing(hash_name, salt, kpsa):
    """The salt left out: an empty HMAC key (the same as HashLen zero bytes)."""
    assert salt, "salt-missing needs a non-empty salt to leave out"
    return derive(hash_name, b"", kpsa)


def variant_missing_nfkc(hash_name, enrolee, kpsa):
    """The salt is the Enrolee-B-ID's UTF-8 bytes without NFKC."""
    return derive(hash_name, enrolee.encode("utf-8"), kpsa)


def variant_nfc_not_nfkc(hash_name, enrolee, kpsa):
    """The salt is the UTF-8 of the Enrolee-B-ID's NFC form, not its NFKC form."""
    return derive(hash_name, unicodedata.normalize("NFC", enrolee).encode("utf-8"), kpsa)


VARIANTS = [
    ("hkdf-single-info", "HkdfSingleInfo", variant_hkdf_single_info,
     "one HKDF-Expand with info 'E2E Message Authentication Key', cut into four"),
    ("hkdf-per-key", "HkdfExpandPerKey", variant_hkdf_per_key,
     "an independent one-block HKDF-Expand per key"),
    ("label-trailing-nul", "LabelTrailingNul", variant_label_trailing_nul,
     "each label followed by a NUL byte"),
    ("extract-swapped", "ExtractArgsSwapped", variant_extract_swapped,
     "Ke2e_master = HMAC-Hash(Kpsa, Salt)"),
    ("counter-from-zero", "CounterFromZero", variant_counter_from_zero,
     "the counter byte is i - 1"),
    ("counter-constant", "CounterConstant", variant_counter_constant,
     "the counter byte is always 0x01, the chain kept"),
    ("unchained", "Unchained", variant_unchained,
     "T(i) = HMAC-Hash(Ke2e_master, label_i | i): T(i-1) left out"),
    ("t-order", "KeysReordered", variant_t_order,
     "the reference keys in the order T(2), T(1), T(4), T(3)"),
    ("wrong-hash", "WrongHash", variant_wrong_hash,
     "Ke2e_master and every key computed with the other hash"),
    ("truncated", "Truncated", variant_truncated,
     "each HMAC-SHA-512 key cut to 32 bytes"),
    ("salt-missing", "SaltMissing", variant_salt_missing,
     "the salt left out: outputs from an empty salt; salt holds the one that should have been used"),
]

# Variants that exist for one hash only.
VARIANT_HASHES = {"truncated": ("SHA-512",)}

# Variants of the salt made from an Enrolee-B-ID: (variant, flag, function, comment).
ENROLEE_VARIANTS = [
    ("missing-nfkc", "MissingNfkc", variant_missing_nfkc, "the Enrolee-B-ID's UTF-8 bytes without NFKC"),
    ("nfc-not-nfkc", "NfcNotNfkc", variant_nfc_not_nfkc, "the UTF-8 of the Enrolee-B-ID's NFC form"),
]

# Enrolee-B-IDs whose raw UTF-8, NFC and NFKC forms all differ, so that the
# reference and the two mistakes above give three different salts.
ENROLEE_NFC_DIFFERS = [
    ("\uff4d\uff4e-cse-e\u0301te\u0301", ["Tr0038Psk"]),      # full-width m n, decomposed accents
    ("\ufb01eld-capteur-e\u0301te\u0301", ["Pseudorandom"]),   # the ligature U+FB01, decomposed accents
]

# Links: Ke2e_master and its salt (the Enrolee-B-ID, UTF-8 and NFKC) are TS-0003 10.3.6, T(1)..T(4)
# 10.3.6.1; the harness's readings are spec points 2 (the expansion as written), 3 (the salt is the
# HMAC key), 5 (the Enrolee-B-ID as the salt) and 13 (both hashes, keys never cut); HMAC's key
# handling is RFC 2104 section 2; RFC 5869 is what the mistaken HKDF forms do.
MASTER, EXPANSION = "oneM2M TS-0003 10.3.6", "oneM2M TS-0003 10.3.6.1"
ALL_KEYS_DIFFER = ("Every end-to-end key differs from a conforming peer's: no primitive or attribute protected "
                   "end to end between them verifies or decrypts.")
LATER_KEYS_DIFFER = ("T(1) agrees with a conforming peer's but T(2)..T(4) do not: message authentication works "
                     "while message confidentiality and the attribute keys fail, which hides the mistake until "
                     "those are used.")
NORMALISED_SALT = ("Whenever the Enrolee-B-ID is not already in NFKC the two ends use different salts, so every "
                   "end-to-end key differs for those entities only, which ASCII identifiers never show.")

NOTES = {
    "Pseudorandom": note("BASIC", "Ordinary inputs derived deterministically from SHA-256 of the test name.",
                         "An implementation that fails ordinary inputs does not derive the keys as TS-0003 says. "
                         + ALL_KEYS_DIFFER, [MASTER, EXPANSION]),
    "Tr0038Psk": note("BASIC", "Kpsa is the pre-shared key 1a2b3c4d5e6f7a8b of TR-0038's PSK example "
                               "(Table 7.1.2-1, A.2).",
                      "An implementation that fails with a provisioned Kpsa of 8 bytes derives other keys than "
                      "its peer from it. " + ALL_KEYS_DIFFER, [MASTER, EXPANSION, "oneM2M TR-0038 7.1.2"]),
    "EmptySalt": note("EDGE_CASE", "Empty salt: HMAC with an empty key.",
                      "An HMAC that refuses or mishandles an empty key derives no Ke2e_master, or another one "
                      "than its peer, from an empty salt.", [MASTER, "RFC 2104 2"]),
    "LongSalt": note("EDGE_CASE", "Salt longer than the hash block (64 bytes for SHA-256, 128 for SHA-512): "
                                  "HMAC hashes the key first.",
                     "An HMAC that does not hash a key longer than the block first derives another Ke2e_master "
                     "than its peer for such salts (long Enrolee-B-IDs). " + ALL_KEYS_DIFFER,
                     [MASTER, "RFC 2104 2"]),
    "LongKpsa": note("EDGE_CASE", "Kpsa longer than the hash block.",
                     "An implementation that cuts or mishandles a long Kpsa derives another Ke2e_master than its "
                     "peer from it. " + ALL_KEYS_DIFFER, [MASTER]),
    "EnroleeBIdSalt": note("BASIC", "The salt is the UTF-8 NFKC form of the Enrolee-B-ID given in enroleeBId "
                                    "(spec point 5).",
                           "An implementation that does not take the salt from the Enrolee-B-ID, or takes other "
                           "bytes of it, derives another Ke2e_master than its peer. " + ALL_KEYS_DIFFER,
                           [MASTER, "kxconform spec point 5"]),
    "EnroleeBIdNfkc": note("EDGE_CASE", "NFKC changes the Enrolee-B-ID's bytes; the salt is the normalised "
                                        "form.", NORMALISED_SALT,
                           [MASTER, "Unicode UAX #15", "kxconform spec point 5"]),
    "HkdfSingleInfo": note("WRONG_PRIMITIVE", "One RFC 5869 HKDF-Expand of Ke2e_master with info 'E2E Message "
                                              "Authentication Key' and length 4 * HashLen, cut into four.",
                           LATER_KEYS_DIFFER, [EXPANSION, "RFC 5869 2.3", "kxconform spec point 2"]),
    "HkdfExpandPerKey": note("WRONG_PRIMITIVE", "An independent one-block HKDF-Expand per key: "
                                                "T(i) = HMAC-Hash(Ke2e_master, label_i | 0x01).",
                             LATER_KEYS_DIFFER, [EXPANSION, "RFC 5869 2.3", "kxconform spec point 2"]),
    "LabelTrailingNul": note("MODIFIED_PARAMETER", "Each label followed by one 0x00 byte.", ALL_KEYS_DIFFER,
                             [EXPANSION, "kxconform spec point 2"]),
    "ExtractArgsSwapped": note("MODIFIED_PARAMETER", "Ke2e_master = HMAC-Hash(Kpsa, Salt) (spec point 3); "
                                                     "expansion as the reference.",
                               "Ke2e_master differs from a conforming peer's, and with it every end-to-end "
                               "key: no primitive or attribute protected end to end between them verifies or "
                               "decrypts.", [MASTER, "RFC 5869 2.2", "kxconform spec point 3"]),
    "CounterFromZero": note("MODIFIED_PARAMETER", "The counter byte of T(i) is i - 1 (0x00 to 0x03) instead of "
                                                  "i; Ke2e_master as the reference.", ALL_KEYS_DIFFER,
                            [EXPANSION]),
    "CounterConstant": note("MODIFIED_PARAMETER", "The counter byte is always 0x01, the chain T(i-1) kept; "
                                                  "t1 equals the reference T(1).", LATER_KEYS_DIFFER, [EXPANSION]),
    "Unchained": note("MISSING_STEP", "T(i) = HMAC-Hash(Ke2e_master, label_i | i): T(i-1) left out; t1 equals "
                                      "the reference T(1).", LATER_KEYS_DIFFER, [EXPANSION]),
    "KeysReordered": note("MODIFIED_PARAMETER", "The reference keys in another order: t1..t4 are the reference "
                                                "T(2), T(1), T(4), T(3).",
                          "Each key is one a conforming peer uses for another purpose (its confidentiality key "
                          "authenticates here): protection fails between them, and across the pair one key "
                          "serves two purposes.", [EXPANSION]),
    "WrongHash": note("WRONG_PRIMITIVE", "Ke2e_master and every key computed with the other hash: HMAC-SHA-512 "
                                         "(64 bytes) in the SHA-256 group, HMAC-SHA-256 (32 bytes) in the "
                                         "SHA-512 group.",
                      "Every key has the other hash's value and length, so none matches a conforming peer's "
                      "and no primitive or attribute protected end to end between them verifies or decrypts.",
                      [MASTER, "oneM2M TS-0003 9.2.3.3", "kxconform spec point 13"]),
    "Truncated": note("MODIFIED_PARAMETER", "The HMAC-SHA-512 keys t1..t4 cut to their first 32 bytes (spec "
                                            "point 13: never cut); ke2eMaster is the reference 64 bytes.",
                      "Each key is the first half of a conforming peer's, so the MACs and ciphers keyed with "
                      "them disagree, and the keys hold 256 bits where HMAC-SHA-512 was provisioned for 512.",
                      [EXPANSION, "kxconform spec point 13"]),
    "SaltMissing": note("MISSING_STEP", "The salt left out: Ke2e_master = HMAC-Hash(empty key, Kpsa), the same "
                                        "as HashLen zero bytes (RFC 5869's default). The test's salt is the one "
                                        "that should have been used; the outputs are from the empty salt.",
                        "The keys no longer depend on the salt TS-0003 binds them to: they differ from a "
                        "conforming peer's, so protection between them fails.",
                        [MASTER, "RFC 5869 2.2", "kxconform spec point 5"]),
    "MissingNfkc": note("MISSING_STEP", "The salt is the Enrolee-B-ID's UTF-8 bytes without NFKC. The test's "
                                        "salt is the correct NFKC salt; the outputs are from the mistaken one.",
                        NORMALISED_SALT, [MASTER, "Unicode UAX #15", "kxconform spec point 5"]),
    "NfcNotNfkc": note("MODIFIED_PARAMETER", "The salt is the UTF-8 of the Enrolee-B-ID's NFC form instead of "
                                             "its NFKC form. The test's salt is the correct NFKC salt; the "
                                             "outputs are from the mistaken one.",
                       "Wherever NFC and NFKC differ (full-width letters, ligatures, other compatibility "
                       "characters) the two ends use different salts, so every end-to-end key differs for those "
                       "entities only.", [MASTER, "Unicode UAX #15"]),
}


def _fields(kpsa, salt, enrolee, m, blocks):
    fields = {"kpsa": kpsa.hex(), "salt": salt.hex()}
    if enrolee is not None:
        fields["enroleeBId"] = enrolee
    fields["ke2eMaster"] = m.hex()
    for i, block in enumerate(blocks, 1):
        fields["t%d" % i] = block.hex()
    return fields


def build():
    vf = VectorFile(
        "e2e_derivation_test.json", "ONEM2M-E2E-DERIVATION", "e2e_derivation_test_schema_v1.json",
        ["TS-0003 clause 10.3.6: Ke2e_master = HMAC-Hash(Salt, Kpsa); clause 10.3.6.1 as written: "
         "T(i) = HMAC-Hash(Ke2e_master, T(i-1) | label_i | i), i one byte, T(0) empty.",
         "Labels in order: 'E2E Message Authentication Key', 'E2E Message Confidentiality Key', "
         "'E2E Attribute Authenticity Key', 'E2E Attribute Confidentiality Key' (ASCII, no terminator).",
         "When enroleeBId is present the salt is its UTF-8 NFKC form (spec point 5).",
         "Invalid tests carry the outputs of the mistake their variant names (docs/mistakes.md); their salt "
         "is always the correct one, also where the mistake used another (salt-missing, missing-nfkc, "
         "nfc-not-nfkc).",
         "Outputs of wrong-hash have the other hash's length, t1..t4 of truncated 32 bytes.",
         "Generated by vectors/gen (Python hmac/hashlib/unicodedata)."],
        NOTES)
    for hash_name, group in vf.hash_groups("E2eDerivationTest", ("SHA-256", "SHA-512")):
        bl, hl = block_len(hash_name), hash_len(hash_name)
        d = det_source("e2e", hash_name)

        def valid(comment, flags, kpsa, salt, enrolee=None):
            if enrolee is not None:
                assert salt == unicodedata.normalize("NFKC", enrolee).encode("utf-8")
            vf.add(group, comment, flags, "valid", _fields(kpsa, salt, enrolee, *derive(hash_name, salt, kpsa)))

        valid("TR-0038 Kpsa, 32-byte salt", ["Tr0038Psk"], TR0038_KPSA, d("tr-salt", 32))
        valid("TR-0038 Kpsa, empty salt", ["Tr0038Psk", "EmptySalt"], TR0038_KPSA, b"")
        valid("32-byte Kpsa, 32-byte salt", ["Pseudorandom"], d("k32", 32), d("s32", 32))
        valid("16-byte Kpsa, 16-byte salt", ["Pseudorandom"], d("k16", 16), d("s16", 16))
        valid("64-byte Kpsa, HashLen-byte salt", ["Pseudorandom"], d("k64", 64), d("shl", hl))
        valid("salt of exactly one hash block", ["Pseudorandom"], d("kb", 32), d("sb", bl))
        valid("empty salt", ["EmptySalt"], d("ke", 32), b"")
        valid("salt one byte longer than the hash block", ["LongSalt"], d("kl1", 32), d("sl1", bl + 1))
        valid("200-byte salt", ["LongSalt"], d("kl2", 32), d("sl2", 200))
        valid("200-byte Kpsa", ["LongKpsa"], d("klong", 200), d("slong", 32))
        for enrolee, flags in (("mn-cse-123456", ["EnroleeBIdSalt", "Tr0038Psk"]),
                               ("CAE-sensor01", ["EnroleeBIdSalt"]),
                               ("\uff4d\uff4e\uff0d\uff43\uff53\uff45\uff0d\uff11\uff12\uff13\uff14\uff15\uff16",
                                ["EnroleeBIdSalt", "EnroleeBIdNfkc", "Tr0038Psk"]),
                               ("capteur-e\u0301te\u0301", ["EnroleeBIdSalt", "EnroleeBIdNfkc"])):
            salt = unicodedata.normalize("NFKC", enrolee).encode("utf-8")
            if "EnroleeBIdNfkc" in flags:
                assert salt != enrolee.encode("utf-8")
            kpsa = TR0038_KPSA if "Tr0038Psk" in flags else d("enr-" + enrolee, 32)
            valid("salt from Enrolee-B-ID '%s'" % enrolee, flags, kpsa, salt, enrolee)

        for name, flag, func, what in VARIANTS:
            if hash_name not in VARIANT_HASHES.get(name, (hash_name,)):
                continue
            cases = [(TR0038_KPSA, d("%s-s0" % name, 32), ["Tr0038Psk"]),
                     (d("%s-k1" % name, 32), d("%s-s1" % name, 32), ["Pseudorandom"])]
            for kpsa, salt, more in cases:
                got = func(hash_name, salt, kpsa)
                ref = derive(hash_name, salt, kpsa)
                assert got[1] != ref[1], name
                assert all(t != r for t, r in zip(got[1][1:], ref[1][1:])), name  # t2..t4 each differ
                vf.add(group, what, [flag] + more, "invalid", _fields(kpsa, salt, None, *got), {"variant": name})
        for name, flag, func, what in ENROLEE_VARIANTS:
            for enrolee, more in ENROLEE_NFC_DIFFERS:
                salt = unicodedata.normalize("NFKC", enrolee).encode("utf-8")
                nfc = unicodedata.normalize("NFC", enrolee).encode("utf-8")
                assert len({salt, nfc, enrolee.encode("utf-8")}) == 3, enrolee
                kpsa = TR0038_KPSA if "Tr0038Psk" in more else d("%s-k-%s" % (name, enrolee), 32)
                got = func(hash_name, enrolee, kpsa)
                ref = derive(hash_name, salt, kpsa)
                assert got[0] != ref[0] and all(t != r for t, r in zip(got[1], ref[1])), name
                vf.add(group, "salt from Enrolee-B-ID '%s': %s" % (enrolee, what),
                       [flag, "EnroleeBIdSalt", "EnroleeBIdNfkc"] + more, "invalid",
                       _fields(kpsa, salt, enrolee, *got), {"variant": name})
    return vf.filename, vf.finish()
