"""TS-0003 enrolment derivations Km and Kpsa (HMAC-SHA-256 keyed with Ke,
identifier UTF-8 NFKC) and enrolment_derivation_test.json."""
import hashlib
import hmac
import unicodedata

from common import VectorFile, det_bytes, note

LABELS = {
    "Km": b"oneM2M Enrolment Key to Master Credential derivation",
    "Kpsa": b"oneM2M Enrolment Key to Provisioned Secure Connection Key derivation",
}


def normalize(identifier):
    return unicodedata.normalize("NFKC", identifier).encode("utf-8")


def derive(derivation, ke, identifier):
    return hmac.new(ke, LABELS[derivation] + normalize(identifier), hashlib.sha256).digest()


def _hmac(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


def derive_missing_nfkc(derivation, ke, identifier):
    return hmac.new(ke, LABELS[derivation] + identifier.encode("utf-8"), hashlib.sha256).digest()


def derive_nfc_not_nfkc(derivation, ke, identifier):
    """Mistake nfc-not-nfkc: the identifier normalised to NFC instead of NFKC."""
    return _hmac(ke, LABELS[derivation] + unicodedata.normalize("NFC", identifier).encode("utf-8"))


OTHER = {"Km": "Kpsa", "Kpsa": "Km"}


def derive_labels_exchanged(derivation, ke, identifier):
    """Mistake labels-exchanged: the label of the other derivation."""
    return _hmac(ke, LABELS[OTHER[derivation]] + normalize(identifier))


SEPARATORS = [(b"\x00", "NUL"), (b" ", "space"), (b":", "':'"), (b"|", "'|'")]


def derive_separator(derivation, ke, identifier, separator):
    """Mistake separator: one byte between label and identifier."""
    return _hmac(ke, LABELS[derivation] + separator + normalize(identifier))


def derive_identifier_first(derivation, ke, identifier):
    """Mistake identifier-first: HMAC-SHA-256(Ke, NFKC(I) | label)."""
    return _hmac(ke, normalize(identifier) + LABELS[derivation])


def derive_hmac_swapped(derivation, ke, identifier):
    """Mistake hmac-swapped: HMAC-SHA-256(label | NFKC(I), Ke), key and message swapped."""
    return _hmac(LABELS[derivation] + normalize(identifier), ke)


def derive_no_identifier(derivation, ke, identifier):
    """Mistake no-identifier: HMAC-SHA-256(Ke, label), the identifier left out."""
    return _hmac(ke, LABELS[derivation])


# Mistakes tried on an ASCII and a full-width identifier: (variant, flag, function, comment).
MISTAKES = [
    ("labels-exchanged", "LabelsExchanged", derive_labels_exchanged, "the label of the other derivation"),
    ("identifier-first", "IdentifierFirst", derive_identifier_first, "identifier before the label"),
    ("hmac-swapped", "HmacArgsSwapped", derive_hmac_swapped, "HMAC key and message swapped"),
    ("no-identifier", "NoIdentifier", derive_no_identifier, "the identifier left out"),
]


# Identifiers per derivation: (identifier, flags). NFKC forms used here have been
# stable since Unicode 3.2.
IDENTIFIERS = {
    "Km": [
        ("myMAF.provider.org", ["AsciiIdentifier"]),
        ("maf-01.example.com", ["AsciiIdentifier"]),
        ("maf-\u00e9t\u00e9.example", ["NonAsciiIdentifier"]),
        ("\uff4d\uff59\uff2d\uff21\uff26\uff0e\uff50\uff52\uff4f\uff56\uff49\uff44\uff45\uff52\uff0e"
         "\uff4f\uff52\uff47", ["FullWidth"]),
        ("\ufb01eld-maf.example", ["Ligature"]),
        ("cafe\u0301-maf.example", ["DecomposedAccent"]),
        ("maf\u2460.example", ["CompatibilityCharacter"]),
        ("maf\u00b2.example", ["CompatibilityCharacter"]),
    ],
    "Kpsa": [
        ("mn-cse-123456", ["AsciiIdentifier"]),
        ("in-cse", ["AsciiIdentifier"]),
        ("capteur-\u00e9t\u00e9", ["NonAsciiIdentifier"]),
        ("\uff4d\uff4e\uff0d\uff43\uff53\uff45\uff0d\uff11\uff12\uff13\uff14\uff15\uff16", ["FullWidth"]),
        ("\ufb01eld-gateway", ["Ligature"]),
        ("capteur-e\u0301te\u0301", ["DecomposedAccent"]),
        ("sensor\u2460", ["CompatibilityCharacter"]),
        ("CAE-m2m\u00b2", ["CompatibilityCharacter"]),
    ],
}

# Identifiers whose raw UTF-8, NFC and NFKC forms all differ (a compatibility
# character NFC keeps and a decomposed accent NFC composes), for nfc-not-nfkc.
NFC_DIFFERS = {
    "Km": [
        ("\ufb01eld-maf-e\u0301te\u0301.example", ["Ligature", "DecomposedAccent"]),
        ("\uff4d\uff41\uff46-e\u0301te\u0301.example", ["FullWidth", "DecomposedAccent"]),
        ("maf\u2460-cafe\u0301.example", ["CompatibilityCharacter", "DecomposedAccent"]),
    ],
    "Kpsa": [
        ("\ufb01eld-gateway-e\u0301te\u0301", ["Ligature", "DecomposedAccent"]),
        ("\uff4d\uff4e-cse-e\u0301te\u0301", ["FullWidth", "DecomposedAccent"]),
        ("sensor\u2460-e\u0301te\u0301", ["CompatibilityCharacter", "DecomposedAccent"]),
    ],
}

# Links: Km and Kpsa come from Ke in TS-0003's key derivation clause 10.3; their formulas, labels and
# identifier rules (UTF-8, NFKC, nothing between label and identifier) are not in the specification
# texts the harness holds, so the spec index states them (its facts); NFKC is Unicode's UAX #15;
# HMAC's key handling is RFC 2104 section 2.
DERIVATION = ["oneM2M TS-0003 10.3", "kxconform spec facts"]
NFKC = ["kxconform spec facts", "Unicode UAX #15"]
DIFFERENT_KEY = ("The end derives another Km or Kpsa than the M2M Enrolment Function, so the security "
                 "association that uses the key (with the MAF, or with Enrolee B) fails.")
NOT_NORMALISED = ("For identifiers that NFKC changes the end derives another Km or Kpsa than its peer, so the "
                  "association that uses it fails for those entities only, which ASCII identifiers never show.")

NOTES = {
    "AsciiIdentifier": note("BASIC", "ASCII identifier: NFKC leaves it unchanged.",
                            "An implementation that fails even ASCII identifiers does not derive as TS-0003 says. "
                            + DIFFERENT_KEY, DERIVATION),
    "NonAsciiIdentifier": note("BASIC", "Non-ASCII identifier already in NFKC (precomposed letters): NFKC "
                                        "leaves it unchanged, so it must not be folded to ASCII.",
                               "An implementation that folds, strips or re-encodes non-ASCII characters derives "
                               "another key than its peer for identifiers that have them. " + DIFFERENT_KEY,
                               NFKC),
    "FullWidth": note("EDGE_CASE", "Full-width letters, digits and punctuation: NFKC maps them to ASCII.",
                      NOT_NORMALISED, NFKC),
    "Ligature": note("EDGE_CASE", "The ligature U+FB01: NFKC maps it to 'fi'.", NOT_NORMALISED, NFKC),
    "DecomposedAccent": note("EDGE_CASE", "'e' followed by U+0301 COMBINING ACUTE ACCENT: NFKC composes it to "
                                          "U+00E9.", NOT_NORMALISED, NFKC),
    "CompatibilityCharacter": note("EDGE_CASE", "A compatibility character (circled digit, superscript): "
                                                "NFKC maps it to a plain digit.", NOT_NORMALISED, NFKC),
    "LongKey": note("EDGE_CASE", "Ke longer than the SHA-256 block (64 bytes): HMAC hashes the key first.",
                    "An HMAC that does not hash a key longer than the block first derives another key than its "
                    "peer from such a Ke (one provisioned rather than exported).",
                    DERIVATION + ["RFC 2104 2"]),
    "ShortKey": note("EDGE_CASE", "A 16-byte Ke.",
                     "An implementation that insists on a 32-byte Ke refuses or pads a shorter one and derives "
                     "nothing, or another key than its peer.", DERIVATION + ["RFC 2104 2"]),
    "MissingNfkc": note("MISSING_STEP", "The identifier's UTF-8 bytes used without NFKC normalisation.",
                        NOT_NORMALISED, NFKC),
    "NfcNotNfkc": note("MODIFIED_PARAMETER", "The identifier normalised to NFC instead of NFKC (identifiers "
                                             "whose raw, NFC and NFKC forms all differ).",
                       "Wherever NFC and NFKC differ (compatibility characters) the end derives another Km or "
                       "Kpsa than its peer, so the association that uses it fails for those entities only.",
                       NFKC),
    "LabelsExchanged": note("MODIFIED_PARAMETER", "The label of the other derivation: Kpsa's label for Km, "
                                                  "Km's for Kpsa.",
                            DIFFERENT_KEY + " The two derivations also lose their separation: from the same "
                            "Ke, the end's Km for a MAF-ID is the Kpsa a conforming peer derives for an "
                            "Enrolee-B-ID of the same text.",
                            DERIVATION),
    "Separator": note("MODIFIED_PARAMETER", "One byte between label and identifier: NUL, space, ':' or '|' "
                                            "(the comment names it).", DIFFERENT_KEY, DERIVATION),
    "IdentifierFirst": note("MODIFIED_PARAMETER", "HMAC-SHA-256(Ke, NFKC(identifier) | label): identifier "
                                                  "before the label.", DIFFERENT_KEY, DERIVATION),
    "HmacArgsSwapped": note("MODIFIED_PARAMETER", "HMAC-SHA-256(label | NFKC(identifier), Ke): key and message "
                                                  "swapped.",
                            DIFFERENT_KEY + " The secret Ke is no longer the HMAC key, and the public label and "
                            "identifier are.", DERIVATION + ["RFC 2104 2"]),
    "NoIdentifier": note("MISSING_STEP", "HMAC-SHA-256(Ke, label): the identifier left out.",
                         DIFFERENT_KEY + " The key no longer depends on the identifier either: every MAF (Km) or "
                         "every Enrolee B (Kpsa) served from the same Ke gets the same key.", DERIVATION),
}

NFKC_CHANGING = ("FullWidth", "Ligature", "DecomposedAccent", "CompatibilityCharacter")


def build():
    vf = VectorFile(
        "enrolment_derivation_test.json", "ONEM2M-ENROLMENT-DERIVATION", "enrolment_derivation_test_schema_v1.json",
        ["TS-0003 enrolment derivations, HMAC-SHA-256 keyed with the enrolment key Ke:",
         "Km = HMAC-SHA-256(Ke, 'oneM2M Enrolment Key to Master Credential derivation' | MAF-ID),",
         "Kpsa = HMAC-SHA-256(Ke, 'oneM2M Enrolment Key to Provisioned Secure Connection Key derivation' | "
         "Enrolee-B-ID),",
         "identifiers UTF-8 and NFKC-normalised (normalizedIdentifier), no separator or terminator.",
         "Invalid tests carry the output of the mistake their variant names (docs/mistakes.md); "
         "normalizedIdentifier is always the correct NFKC form.",
         "Generated by vectors/gen (Python hmac/hashlib/unicodedata)."],
        NOTES)
    for derivation in ("Km", "Kpsa"):
        group = vf.group("EnrolmentDerivationTest", derivation=derivation)

        def fields(ke, identifier, output):
            return {"ke": ke.hex(), "identifier": identifier,
                    "normalizedIdentifier": normalize(identifier).hex(), "output": output.hex()}

        for identifier, flags in IDENTIFIERS[derivation]:
            changes = normalize(identifier) != identifier.encode("utf-8")
            assert changes == any(f in NFKC_CHANGING for f in flags), identifier
            ke = det_bytes("enrolment|%s|%s" % (derivation, identifier), 32)
            vf.add(group, "identifier '%s'" % identifier, flags, "valid",
                   fields(ke, identifier, derive(derivation, ke, identifier)))
            if changes:
                wrong = derive_missing_nfkc(derivation, ke, identifier)
                assert wrong != derive(derivation, ke, identifier)
                vf.add(group, "identifier '%s' used without NFKC" % identifier, ["MissingNfkc"] + flags,
                       "invalid", fields(ke, identifier, wrong), {"variant": "missing-nfkc"})
        ascii_id = IDENTIFIERS[derivation][0][0]
        for n, flag in ((100, "LongKey"), (16, "ShortKey")):
            ke = det_bytes("enrolment|%s|ke%d" % (derivation, n), n)
            vf.add(group, "%d-byte Ke, identifier '%s'" % (n, ascii_id), [flag], "valid",
                   fields(ke, ascii_id, derive(derivation, ke, ascii_id)))

        def invalid(name, flag, comment, identifier, flags, mistaken):
            ke = det_bytes("enrolment|%s|%s|%s" % (derivation, name, identifier), 32)
            wrong = mistaken(ke)
            assert wrong != derive(derivation, ke, identifier), (name, identifier)
            vf.add(group, comment, [flag] + flags, "invalid", fields(ke, identifier, wrong), {"variant": name})

        for identifier, flags in NFC_DIFFERS[derivation]:
            raw, nfc = identifier.encode("utf-8"), unicodedata.normalize("NFC", identifier).encode("utf-8")
            assert len({raw, nfc, normalize(identifier)}) == 3, identifier
            invalid("nfc-not-nfkc", "NfcNotNfkc", "identifier '%s' normalised to NFC, not NFKC" % identifier,
                    identifier, flags, lambda ke: derive_nfc_not_nfkc(derivation, ke, identifier))
        # An ASCII identifier and one NFKC changes (full-width forms).
        samples = [next(i for i in IDENTIFIERS[derivation] if "AsciiIdentifier" in i[1]),
                   next(i for i in IDENTIFIERS[derivation] if "FullWidth" in i[1])]
        for name, flag, func, what in MISTAKES:
            for identifier, flags in samples:
                invalid(name, flag, "identifier '%s': %s" % (identifier, what), identifier, flags,
                        lambda ke: func(derivation, ke, identifier))
        for i, (separator, shown) in enumerate(SEPARATORS):
            identifier, flags = samples[i % 2]
            invalid("separator", "Separator",
                    "identifier '%s': %s between label and identifier" % (identifier, shown),
                    identifier, flags, lambda ke: derive_separator(derivation, ke, identifier, separator))
    return vf.filename, vf.finish()
