"""Key identifiers RelativeKeyID@FQDN (spec point 1): the readings, the
classifier of docs/vectors.md and keyid_test.json."""
import base64
import re

from common import VectorFile, check_anchor, det_bytes, note

ID_LEN = 16

# TR-0038 A.4: keying material (EXPORTER-oneM2M-Connection, 48 bytes), its
# Connection Key Identifier, MAF FQDN and Key Identifier, as published.
TR0038_KEYING_MATERIAL = ("FF15D84E3E38D6974B0EB3E5606C85FE"
                          "37F61D5A7FEA1E9CFD8DB76D2F8B6230"
                          "130EF8A84F9F9F967DA385867984EED0")
TR0038_KCID = "FF15D84E3E38D6974B0EB3E5606C85FE"
TR0038_FQDN = "myMAF.provider.org"
TR0038_KEYID = "RkYxNUQ4NEUzRTM4RDY5NzRCMEVCM0U1NjA2Qzg1RkU=@myMAF.provider.org"

READINGS = ["reference", "tr0038-example", "hexbinary", "base64url", "unpadded"]
ERRORS = ["missing-at", "at-in-relative", "empty-relative", "bad-fqdn", "bad-encoding", "wrong-identifier"]

# ---- encoders: one per reading -------------------------------------------


def enc_reference(b):
    return base64.b64encode(b).decode("ascii")


def enc_tr0038(b, upper=True):
    text = b.hex().upper() if upper else b.hex()
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def enc_hexbinary(b, upper=True):
    return b.hex().upper() if upper else b.hex()


def enc_base64url(b, padded=True):
    s = base64.urlsafe_b64encode(b).decode("ascii")
    return s if padded else s.rstrip("=")


def enc_unpadded(b):
    return enc_reference(b).rstrip("=")


# ---- strict decoders: bytes, or None when the string is not that reading --

_STD = re.compile(r"\A[A-Za-z0-9+/]*\Z")
_URL = re.compile(r"\A[A-Za-z0-9_-]*\Z")
_HEX = re.compile(r"\A[0-9A-Fa-f]*\Z")


def _b64(s, url, padded, n):
    """Canonical base64 of exactly n bytes in one alphabet, padded or not."""
    body = s[:len(s) - 2] + s[len(s) - 2:].rstrip("=") if padded else s
    if not (_URL if url else _STD).match(body):
        return None
    full = body + "=" * (-len(body) % 4)
    if padded and full != s:
        return None
    if len(body) % 4 == 1:
        return None
    std = full.translate(str.maketrans("-_", "+/")) if url else full
    try:
        data = base64.b64decode(std, validate=True)
    except ValueError:
        return None
    if len(data) != n:
        return None
    again = enc_base64url(data, padded) if url else enc_reference(data)
    if not padded:
        again = again.rstrip("=")
    return data if again == s else None  # rejects non-canonical trailing bits


def dec_reference(s):
    return _b64(s, url=False, padded=True, n=ID_LEN)


def dec_tr0038(s):
    text = _b64(s, url=False, padded=True, n=2 * ID_LEN)
    if text is None or not _HEX.match(text.decode("ascii", "replace")):
        return None
    return bytes.fromhex(text.decode("ascii"))


def dec_hexbinary(s):
    if len(s) != 2 * ID_LEN or not _HEX.match(s):
        return None
    return bytes.fromhex(s)


def dec_base64url(s):
    if "-" not in s and "_" not in s:
        return None
    return _b64(s, url=True, padded=s.endswith("="), n=ID_LEN)


def dec_unpadded(s):
    return _b64(s, url=False, padded=False, n=ID_LEN)


DECODERS = [("reference", dec_reference), ("tr0038-example", dec_tr0038), ("hexbinary", dec_hexbinary),
            ("base64url", dec_base64url), ("unpadded", dec_unpadded)]

_LDH = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def fqdn_valid(fqdn):
    if not 1 <= len(fqdn) <= 253:
        return False
    labels = fqdn.split(".")
    if len(labels) < 2:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or not set(label) <= _LDH:
            return False
        if label[0] == "-" or label[-1] == "-":
            return False
    return not all(c in "0123456789" for c in labels[-1])


def _set_low_bit(char):
    """The standard-alphabet character whose 6-bit value is char's with its lowest bit set."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return alphabet[alphabet.index(char) | 1]


def classify(key_id, id_bytes):
    """('reading', name) or ('error', name), by the precedence of docs/vectors.md."""
    if "@" not in key_id:
        return ("error", "missing-at")
    if key_id.count("@") > 1:
        return ("error", "at-in-relative")
    relative, fqdn = key_id.split("@")
    if relative == "":
        return ("error", "empty-relative")
    if not fqdn_valid(fqdn):
        return ("error", "bad-fqdn")
    decoded = [(name, dec(relative)) for name, dec in DECODERS]
    for name, data in decoded:
        if data == id_bytes:
            return ("reading", name)
    if any(data is not None for _, data in decoded):
        return ("error", "wrong-identifier")
    return ("error", "bad-encoding")


# Links: the identifier RelativeKeyID@FQDN is TS-0003 10.3.5 as TR-0038 A.4 cites and works it; which
# reading of the relative part the harness takes is spec point 1, that a key identifier is compared
# byte for byte (as a PSK identity) spec point 11; the encodings are RFC 4648; a domain name's syntax
# and limits are RFC 1035 2.3.1 and 2.3.4, with RFC 1123 2.1's leading digits.
KEYID = ["oneM2M TS-0003 10.3.5", "oneM2M TR-0038 A.4"]
OTHER_READING = ("An identifier in this reading is another PSK identity than the reference one (spec point 11): "
                 "a peer that uses another reading does not find the key and refuses the association.")
REFUSED = ("A peer that refuses it, as it must, cannot find a key by it; an implementation that accepts it looks "
           "a key up by a malformed identifier.")

NOTES = {
    "Tr0038Example": note("BASIC", "The TR-0038 A.4 worked example: base64 of the upper-case hex string of "
                                   "the identifier, a known answer published by others.",
                          "An implementation that claims the TR-0038 example's reading but fails its own example "
                          "forms identifiers that no peer in that reading recognises: the IN-CSE does not find "
                          "Kc and refuses the MAF-based association.", KEYID + ["kxconform spec point 1"]),
    "Tr0038KeyingMaterial": note("BASIC", "TR-0038 A.4 as a whole: the 48 bytes of keying material it prints "
                                          "(keyingMaterial) give KcID, its first 16 bytes (keyIdBytes), and "
                                          "Kc, its last 32 (key), as TS-0003 10.3.1 splits them.",
                                 "An implementation that splits TR-0038's keying material otherwise derives "
                                 "another KcID and Kc than its peer: the identifier names no registered key and "
                                 "the association fails.", ["oneM2M TS-0003 10.3.1", "oneM2M TR-0038 A.4",
                                                            "kxconform spec point 4"]),
    "ReferenceReading": note("BASIC", "RFC 4648 section 4 base64 of the 16 identifier bytes, padded: the "
                                      "reference reading.",
                             "An implementation that fails it forms identifiers a conforming peer does not "
                             "recognise: the IN-CSE does not find Kc and refuses the TLS-PSK handshake "
                             "(unknown_psk_identity).", KEYID + ["RFC 4648 4", "kxconform spec point 1"]),
    "Tr0038Reading": note("MODIFIED_PARAMETER", "base64 of the 32-character hex string of the identifier "
                                                "(the TR-0038 example's reading).", OTHER_READING,
                          ["oneM2M TR-0038 A.4", "kxconform spec point 1", "kxconform spec point 11"]),
    "HexBinaryReading": note("MODIFIED_PARAMETER", "hexBinary of the identifier (later TS-0003 releases).",
                             OTHER_READING, ["oneM2M TS-0003 10.3.5", "kxconform spec point 1",
                                             "kxconform spec point 11"]),
    "Base64UrlReading": note("MODIFIED_PARAMETER", "RFC 4648 section 5 URL-safe alphabet, padded or not.",
                             OTHER_READING, ["RFC 4648 5", "kxconform spec point 1", "kxconform spec point 11"]),
    "UnpaddedReading": note("MISSING_STEP", "Standard alphabet with the '=' padding left out.", OTHER_READING,
                            ["RFC 4648 3.2", "kxconform spec point 1", "kxconform spec point 11"]),
    "ReadingPrecedence": note("EDGE_CASE", "The string is also another reading's encoding; the earlier "
                                           "reading in the table's order is expected.",
                              "Nothing changes on the wire, where the string is the same in both readings; a "
                              "checker that classifies in another order names a reading the implementation "
                              "does not claim.", ["kxconform spec point 1"]),
    "FqdnLengthLimit": note("EDGE_CASE", "FQDN at or just over a length limit (63-character label, 253 "
                                         "characters in all).",
                            "An implementation that refuses a name within the DNS limits cannot use a key "
                            "registered under it; one that accepts a longer name looks keys up by a name no MAF "
                            "can have.", KEYID + ["RFC 1035 2.3.4"]),
    "MissingAt": note("MISSING_STEP", "No '@' separates the relative part from the FQDN.",
                      "Without '@' the identifier names no MAF, so the IN-CSE cannot ask for the key. " + REFUSED,
                      KEYID),
    "AtInRelative": note("MODIFIED_PARAMETER", "More than one '@': the relative part contains '@'.",
                         "Which '@' ends the relative part is ambiguous, so two ends can read different MAFs "
                         "and keys from it. " + REFUSED, KEYID + ["kxconform spec point 1"]),
    "EmptyRelative": note("MISSING_STEP", "Nothing before '@'.",
                          "The identifier names a MAF but no key. " + REFUSED, KEYID),
    "BadFqdn": note("MODIFIED_PARAMETER", "The part after '@' is not a valid domain name.",
                    "The identifier names no MAF that can be reached. " + REFUSED,
                    KEYID + ["RFC 1035 2.3.1", "RFC 1123 2.1", "kxconform spec point 1"]),
    "BadEncoding": note("MODIFIED_PARAMETER", "The relative part is none of the readings: bad characters, "
                                              "bad padding or wrong length.",
                        "The relative part is not what any exporter produced. " + REFUSED,
                        KEYID + ["RFC 4648 4", "kxconform spec point 1"]),
    "WrongIdentifier": note("MODIFIED_PARAMETER", "The relative part decodes in some reading to other bytes "
                                                  "than the identifier.",
                            "The identifier names another key than the one both ends exported: the peer finds "
                            "no key, or another entity's, and the association fails.",
                            KEYID + ["oneM2M TS-0003 10.3.1"]),
    "ErrorPrecedence": note("EDGE_CASE", "More than one thing is wrong; the error that comes first in the "
                                         "precedence order is expected.",
                            "Nothing changes on the wire, where the identifier is refused either way; a checker "
                            "that reports another error than the first names the wrong fault.",
                            ["kxconform spec point 1"]),
}

FLAG_OF_READING = {"reference": "ReferenceReading", "tr0038-example": "Tr0038Reading",
                   "hexbinary": "HexBinaryReading", "base64url": "Base64UrlReading",
                   "unpadded": "UnpaddedReading"}
FLAG_OF_ERROR = {"missing-at": "MissingAt", "at-in-relative": "AtInRelative",
                 "empty-relative": "EmptyRelative", "bad-fqdn": "BadFqdn",
                 "bad-encoding": "BadEncoding", "wrong-identifier": "WrongIdentifier"}


def self_test():
    kcid = bytes.fromhex(TR0038_KCID)
    check_anchor("TR-0038 A.4 KcID = first 16 bytes of the keying material", TR0038_KCID,
                 TR0038_KEYING_MATERIAL[:32])
    check_anchor("TR-0038 A.4 Key Identifier", TR0038_KEYID, enc_tr0038(kcid) + "@" + TR0038_FQDN)
    check_anchor("TR-0038 A.4 classification", repr(("reading", "tr0038-example")),
                 repr(classify(TR0038_KEYID, kcid)))


def _find(tag, predicate):
    """The first deterministic 16-byte identifier that satisfies predicate."""
    for i in range(100000):
        b = det_bytes("keyid|%s|%d" % (tag, i), ID_LEN)
        if predicate(b):
            return b
    raise RuntimeError("no identifier for " + tag)


def build():
    self_test()
    vf = VectorFile(
        "keyid_test.json", "ONEM2M-KEYID", "keyid_test_schema_v1.json",
        ["Key identifiers RelativeKeyID@FQDN (TS-0003 10.3.5 as cited by TR-0038 A.4; spec point 1).",
         "valid: the reference reading; acceptable: another reading named by 'reading'; invalid: the "
         "error named by 'error', by the precedence order of docs/vectors.md.",
         "Anchor (flag Tr0038Example): the TR-0038 A.4 example Key Identifier for KcID "
         "FF15D84E3E38D6974B0EB3E5606C85FE and FQDN myMAF.provider.org.",
         "Generated by vectors/gen (Python base64); every expectation is checked against the generator's "
         "classifier."],
        NOTES)
    group = vf.group("KeyIdTest")

    def add(comment, id_bytes, key_id, expect, extra_flags=(), fqdn=None, material=None):
        got = classify(key_id, id_bytes)
        if got != expect:
            raise AssertionError("keyid test '%s': %r classified %r, expected %r" % (comment, key_id, got, expect))
        kind, name = expect
        if fqdn is None:
            fqdn = key_id.rsplit("@", 1)[1]
        flags = list(extra_flags)
        if kind == "reading":
            result = "valid" if name == "reference" else "acceptable"
            if not flags or flags[0] != "Tr0038Example":
                flags.insert(0, FLAG_OF_READING[name])
        else:
            result = "invalid"
            flags.insert(0, FLAG_OF_ERROR[name])
        fields = {"keyIdBytes": id_bytes.hex(), "fqdn": fqdn, "keyId": key_id}
        if material is not None:
            assert material[:ID_LEN] == id_bytes and len(material) == 48
            fields = {"keyingMaterial": material.hex(), "keyIdBytes": id_bytes.hex(),
                      "key": material[ID_LEN:].hex(), "fqdn": fqdn, "keyId": key_id}
        vf.add(group, comment, flags, result, fields, {kind: name})

    tr = bytes.fromhex(TR0038_KCID)
    trf = TR0038_FQDN
    tr_ref = enc_reference(tr)

    # -- readings --------------------------------------------------------
    material = bytes.fromhex(TR0038_KEYING_MATERIAL)
    add("TR-0038 A.4 example Key Identifier", tr, TR0038_KEYID, ("reading", "tr0038-example"),
        ["Tr0038Example", "Tr0038KeyingMaterial"], material=material)
    add("TR-0038 identifier, reference reading", tr, tr_ref + "@" + trf, ("reading", "reference"),
        ["Tr0038KeyingMaterial"], material=material)
    add("TR-0038 identifier, base64 of the lower-case hex string", tr,
        enc_tr0038(tr, upper=False) + "@" + trf, ("reading", "tr0038-example"))
    add("TR-0038 identifier, upper-case hexBinary", tr, enc_hexbinary(tr) + "@" + trf, ("reading", "hexbinary"))
    add("TR-0038 identifier, lower-case hexBinary", tr, enc_hexbinary(tr, False) + "@" + trf,
        ("reading", "hexbinary"))
    add("TR-0038 identifier, base64url padded (contains '_')", tr, enc_base64url(tr) + "@" + trf,
        ("reading", "base64url"))
    add("TR-0038 identifier, base64url unpadded (contains '_')", tr, enc_base64url(tr, False) + "@" + trf,
        ("reading", "base64url"))
    add("TR-0038 identifier, standard alphabet unpadded", tr, enc_unpadded(tr) + "@" + trf,
        ("reading", "unpadded"))

    fqdns = ["in-cse.example.com", "mn-cse-123456.m2m.example.net", "myMAF.provider.org", "a.b",
             "maf01.1and1.example", "MAF.EXAMPLE.ORG"]
    for i, fqdn in enumerate(fqdns):
        b = det_bytes("keyid|reference|%d" % i, ID_LEN)
        add("reference reading, FQDN %s" % fqdn, b, enc_reference(b) + "@" + fqdn, ("reading", "reference"))
    zero, ones = bytes(ID_LEN), b"\xff" * ID_LEN
    add("all-zero identifier, reference reading", zero, enc_reference(zero) + "@" + trf, ("reading", "reference"))
    add("all-0xff identifier, reference reading", ones, enc_reference(ones) + "@" + trf, ("reading", "reference"))
    add("all-0xff identifier, base64url unpadded", ones, enc_base64url(ones, False) + "@" + trf,
        ("reading", "base64url"))
    label63 = "m" * 63
    b = det_bytes("keyid|label63", ID_LEN)
    add("FQDN with a 63-character label", b, enc_reference(b) + "@" + label63 + ".example.org",
        ("reading", "reference"), ["FqdnLengthLimit"])
    fqdn253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(fqdn253) == 253
    b = det_bytes("keyid|fqdn253", ID_LEN)
    add("FQDN of 253 characters", b, enc_reference(b) + "@" + fqdn253, ("reading", "reference"),
        ["FqdnLengthLimit"])

    both = _find("plus-slash", lambda x: "+" in enc_reference(x) and "/" in enc_reference(x))
    add("base64url padded, contains '-' and '_'", both, enc_base64url(both) + "@in-cse.example.com",
        ("reading", "base64url"))
    add("base64url unpadded, contains '-' and '_'", both, enc_base64url(both, False) + "@in-cse.example.com",
        ("reading", "base64url"))
    add("standard alphabet unpadded, contains '+' and '/'", both, enc_unpadded(both) + "@in-cse.example.com",
        ("reading", "unpadded"))
    dash = _find("dash", lambda x: "-" in enc_base64url(x) and "_" not in enc_base64url(x))
    add("base64url padded, contains '-' only", dash, enc_base64url(dash) + "@in-cse.example.com",
        ("reading", "base64url"))
    under = _find("under", lambda x: "_" in enc_base64url(x) and "-" not in enc_base64url(x))
    add("base64url unpadded, contains '_' only", under, enc_base64url(under, False) + "@in-cse.example.com",
        ("reading", "base64url"))
    plain = _find("plain", lambda x: "+" not in enc_reference(x) and "/" not in enc_reference(x))
    add("URL-safe encoder output without '-' or '_', padded: the reference", plain,
        enc_base64url(plain) + "@in-cse.example.com", ("reading", "reference"), ["ReadingPrecedence"])
    add("URL-safe encoder output without '-' or '_', unpadded: the unpadded reading", plain,
        enc_base64url(plain, False) + "@in-cse.example.com", ("reading", "unpadded"), ["ReadingPrecedence"])

    # -- errors ----------------------------------------------------------
    add("relative part only, no '@FQDN'", tr, tr_ref, ("error", "missing-at"), fqdn=trf)
    add("relative part and FQDN run together", tr, tr_ref + trf, ("error", "missing-at"), fqdn=trf)
    add("'@' percent-encoded", tr, tr_ref + "%40" + trf, ("error", "missing-at"), fqdn=trf)
    add("full-width commercial at U+FF20 instead of '@'", tr, tr_ref + "\uff20" + trf,
        ("error", "missing-at"), fqdn=trf)

    add("relative part contains '@'", tr, "ab@" + tr_ref + "@" + trf, ("error", "at-in-relative"))
    add("FQDN repeated after a second '@'", tr, tr_ref + "@" + trf + "@" + trf, ("error", "at-in-relative"))
    add("'@@' and an FQDN: more than one '@' comes before an empty relative part", tr, "@@" + trf,
        ("error", "at-in-relative"), ["ErrorPrecedence"])

    add("nothing before '@'", tr, "@" + trf, ("error", "empty-relative"))
    add("nothing before '@', other FQDN", tr, "@in-cse.example.com", ("error", "empty-relative"))
    add("nothing before '@' and a bad FQDN: the empty relative part comes first", tr, "@bad_fqdn.example",
        ("error", "empty-relative"), ["ErrorPrecedence"])

    bad_fqdns = [
        ("label of 64 characters", "m" * 64 + ".example.org", ["FqdnLengthLimit"]),
        ("FQDN of 254 characters", ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 62]), ["FqdnLengthLimit"]),
        ("label starting with '-'", "-maf.provider.org", []),
        ("label ending with '-'", "maf-.provider.org", []),
        ("underscore in a label", "my_MAF.provider.org", []),
        ("empty label", "myMAF..provider.org", []),
        ("trailing dot", "myMAF.provider.org.", []),
        ("leading dot", ".provider.org", []),
        ("single label", "localhost", []),
        ("all-digit last label (IPv4 address)", "192.168.1.10", []),
        ("all-digit last label", "provider.123", []),
        ("empty FQDN", "", []),
        ("non-ASCII label", "b\u00fccher.example", []),
        ("space in a label", "my MAF.provider.org", []),
    ]
    for comment, fqdn, flags in bad_fqdns:
        if comment == "FQDN of 254 characters":
            assert len(fqdn) == 254
        add("bad FQDN: " + comment, tr, tr_ref + "@" + fqdn, ("error", "bad-fqdn"), flags)
    add("bad relative part and bad FQDN: the FQDN comes first", tr, "!!!!@-bad.example", ("error", "bad-fqdn"),
        ["ErrorPrecedence"])

    b15, b17 = det_bytes("keyid|len15", 15), det_bytes("keyid|len17", 17)
    not_hex = enc_hexbinary(tr)[:-1] + "G"
    mixed = both_ref = enc_reference(both)
    mixed = both_ref.replace("/", "_")
    assert "+" in mixed and "_" in mixed
    bad_encodings = [
        ("'!' in the relative part", tr_ref[:5] + "!" + tr_ref[6:]),
        ("'*' in the relative part", tr_ref[:-3] + "*=="),
        ("space before '@'", tr_ref + " "),
        ("'=' in the middle", tr_ref[:10] + "=" + tr_ref[11:]),
        ("one '=' where two are due", tr_ref[:-1]),
        ("three '=' at the end", tr_ref + "="),
        ("base64 of 15 bytes", enc_reference(b15)),
        ("base64 of 17 bytes", enc_reference(b17)),
        ("hex string of 15 bytes", b15.hex()),
        ("hex string of 17 bytes", b17.hex()),
        ("32 characters, one not a hex digit", not_hex),
        ("base64 of a 32-character string that is not hex", enc_reference(not_hex.encode("ascii"))),
        ("base64 of the hex string without padding (43 characters)", enc_tr0038(tr).rstrip("=")),
        ("standard and URL-safe alphabets mixed ('+' and '_')", mixed),
        ("31 hex digits and a newline", enc_hexbinary(tr)[:-1] + "\n"),
        ("base64 of 31 hex digits and a newline", enc_reference((enc_hexbinary(tr)[:-1] + "\n").encode("ascii"))),
        ("non-canonical: an unused bit of the last character set", tr_ref[:-3] + _set_low_bit(tr_ref[-3]) + "=="),
    ]
    for comment, relative in bad_encodings:
        add("bad encoding: " + comment, tr, relative + "@" + trf, ("error", "bad-encoding"))

    material = bytes.fromhex(TR0038_KEYING_MATERIAL)
    swapped_id = material[-ID_LEN:]
    key_head = material[ID_LEN:2 * ID_LEN]
    other = det_bytes("keyid|other", ID_LEN)
    flipped = bytes([tr[0] ^ 0x01]) + tr[1:]
    add("reference reading of the last 16 keying-material bytes (split swapped)", tr,
        enc_reference(swapped_id) + "@" + trf, ("error", "wrong-identifier"))
    add("reference reading of the first 16 key bytes", tr, enc_reference(key_head) + "@" + trf,
        ("error", "wrong-identifier"))
    add("reference reading with the lowest bit of the first byte flipped", tr,
        enc_reference(flipped) + "@" + trf, ("error", "wrong-identifier"))
    add("TR-0038 reading of another identifier", tr, enc_tr0038(other) + "@" + trf,
        ("error", "wrong-identifier"))
    add("hexBinary of another identifier", tr, enc_hexbinary(other) + "@" + trf, ("error", "wrong-identifier"))
    other_url = _find("other-url", lambda x: "-" in enc_base64url(x) or "_" in enc_base64url(x))
    add("base64url of another identifier", tr, enc_base64url(other_url, False) + "@" + trf,
        ("error", "wrong-identifier"))
    add("unpadded reading of another identifier", tr, enc_unpadded(other) + "@" + trf,
        ("error", "wrong-identifier"))
    upper = _find("upper", lambda x: classify(enc_reference(x).upper() + "@a.example", x)
                  == ("error", "wrong-identifier"))
    add("reference reading upper-cased", upper, enc_reference(upper).upper() + "@in-cse.example.com",
        ("error", "wrong-identifier"))
    return vf.filename, vf.finish()
