#!/usr/bin/env bash
# Generates the harness's test PKI into OUTDIR with the OpenSSL command-line
# tool, then checks it. See pki/README.md for what each file is for, and
# TR-0038 Annex B ("Generation of Certificates", shared/spec/003_*.txt) for
# the recipe this follows.
#
# Usage: make-pki.sh OUTDIR
# Environment: OPENSSL, the openssl executable (default: openssl on PATH).
#
# Everything is made in a temporary directory beside OUTDIR and checked there;
# only then are the files moved into OUTDIR, pki.json last, so OUTDIR/pki.json
# exists only beside a complete PKI that passed the self-check. The build runs
# this when pki.json is missing or the script changed (cmake/pki.cmake).
set -Eeuo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: make-pki.sh OUTDIR" >&2
  exit 2
fi
outdir=$1
openssl=${OPENSSL:-openssl}
me=make-pki.sh
step="start"

# Every failure names the step it happened in.
trap 'rc=$?; echo "$me: FAILED at step: $step (exit status $rc)" >&2; exit $rc' ERR

# run CMD...: runs an openssl command quietly; on failure prints its output.
run() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$me: FAILED at step: $step" >&2
    echo "$me: command: $*" >&2
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    exit 1
  fi
}
die() {
  echo "$me: FAILED at step: $step: $*" >&2
  exit 1
}

step="check the openssl tool"
command -v "$openssl" >/dev/null || die "no openssl executable ('$openssl'); install Debian's openssl package"
ossl_version=$("$openssl" version)
case $ossl_version in
  "OpenSSL 3."*) ;;
  *) die "need OpenSSL 3.x, found: $ossl_version" ;;
esac

step="create the work directory"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "$(dirname "$outdir")/.pki-work.XXXXXX")
trap 'rm -rf "$work"' EXIT
tmp=$work/tmp          # CSRs, extension files, the throwaway CA database
mkdir -p "$tmp"
umask 022

DAYS=3650              # 10 years from now
DOMAIN=my.m2mprovider.org
IN_CSE_SAN=DNS:$DOMAIN/in-cse
EXPIRED_START=20200101000000Z
EXPIRED_END=20210101000000Z
EXPIRED_END_ISO=2021-01-01T00:00:00Z

# name | issuer | SAN | extension profile | CN
# The profile names a section of the extension file below; "expired" is
# signed with `openssl ca`, which alone can put the validity in the past
# (OpenSSL 3.0's `x509 -req` has no -not_before / -not_after).
ENTITIES=(
  "in-cse|root-ca|$IN_CSE_SAN|entity|$DOMAIN"
  "mn-cse|root-ca|DNS:$DOMAIN/mn-cse-123456|entity|$DOMAIN"
  "ae|root-ca|DNS:$DOMAIN/CAE123456789012-Lock|entity|$DOMAIN"
  "mef|root-ca|DNS:mef.m2mprovider.org|entity|mef.m2mprovider.org"
  "maf|root-ca|DNS:myMAF.provider.org|entity|myMAF.provider.org"
  "enrolee|root-ca|DNS:$DOMAIN/mn-cse-enrolee|entity|$DOMAIN"
  "wrong-name|root-ca|DNS:$DOMAIN/impostor-cse|entity|$DOMAIN"
  "untrusted|other-ca|$IN_CSE_SAN|entity|$DOMAIN"
  "expired|root-ca|$IN_CSE_SAN|entity|$DOMAIN"
  "wrong-usage|root-ca|$IN_CSE_SAN|wrong_usage|$DOMAIN"
)
GOOD=(in-cse mn-cse ae mef maf enrolee)
BAD=(wrong-name untrusted expired wrong-usage)

# Intermediate CAs under root-ca (pathlen 0: they issue end-entities only).
# name | curve | CN
INTERMEDIATES=(
  "int-ca|P-256|kxconform test intermediate CA"
  "int-ca-p384|P-384|kxconform test intermediate CA (P-384)"
)
# The other credential forms of every GOOD entity E, as E-FORM.pem / .key:
# the same subjectAltName and CN, another key curve or another issuer.
# form | issuer | curve | digest the issuer signs with
# A form issued by an intermediate is a chain file, the leaf then the
# intermediate, the order a TLS end sends them in its Certificate message
# (RFC 5246 7.4.2); its peer trusts only root-ca. E-FORM-leaf.pem (with a copy
# of the key as E-FORM-leaf.key, since a scenario names both by one name) is
# the leaf alone: an end that forgets its intermediate, which the peer must
# refuse.
FORMS=(
  "int|int-ca|P-256|sha256"
  "p384|root-ca|P-384|sha256"
  "p384-int|int-ca-p384|P-384|sha384"
)

# The extension sections. The SAN comes from the environment (${ENV::KX_SAN}),
# so one file serves every entity.
cat >"$tmp/ext.cnf" <<'EOF'
[ root_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ intermediate_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ entity ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = ${ENV::KX_SAN}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ wrong_usage ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment
extendedKeyUsage       = emailProtection
subjectAltName         = ${ENV::KX_SAN}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
EOF
# `req` reads its distinguished-name section from the same file, so the
# system's openssl.cnf plays no part. KX_SAN must be set whenever the file is
# loaded, even by commands that put no SAN in what they make.
cat >>"$tmp/ext.cnf" <<'EOF'

[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = unused
EOF
export KX_SAN=DNS:unused

genkey() { # NAME [CURVE]: an EC key (P-256 unless CURVE), PKCS#8 PEM, named curve
  run "$openssl" genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2:-P-256}" \
    -pkeyopt ec_param_enc:named_curve -out "$work/$1.key"
  chmod 600 "$work/$1.key"
}

step="generate the keys"
for ca in root-ca other-ca; do genkey "$ca"; done
for e in "${ENTITIES[@]}"; do genkey "${e%%|*}"; done
echo "pki: keys (EC P-256, PKCS#8 PEM): 12 *.key files"

step="make the root CA certificates"
run "$openssl" req -config "$tmp/ext.cnf" -new -x509 -sha256 -days $DAYS \
  -key "$work/root-ca.key" -subj "/O=kxconform test PKI/CN=kxconform test root CA" \
  -extensions root_ca -out "$work/root-ca.pem"
run "$openssl" req -config "$tmp/ext.cnf" -new -x509 -sha256 -days $DAYS \
  -key "$work/other-ca.key" -subj "/O=kxconform untrusted PKI/CN=kxconform other root CA (untrusted)" \
  -extensions root_ca -out "$work/other-ca.pem"
echo "pki: root CA certificates: root-ca.pem (the trust root), other-ca.pem (untrusted)"

step="set up the throwaway CA database for the expired certificate"
mkdir -p "$tmp/ca/newcerts"
: >"$tmp/ca/index.txt"
"$openssl" rand -hex 16 >"$tmp/ca/serial"
cat >"$tmp/ca.cnf" <<EOF
[ ca ]
default_ca = throwaway
[ throwaway ]
database        = $tmp/ca/index.txt
new_certs_dir   = $tmp/ca/newcerts
serial          = $tmp/ca/serial
certificate     = $work/root-ca.pem
private_key     = $work/root-ca.key
default_md      = sha256
policy          = any
unique_subject  = no
copy_extensions = none
email_in_dn     = no
[ any ]
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
EOF

csr() { # NAME SUBJECT: NAME's certificate request, from NAME.key
  run "$openssl" req -config "$tmp/ext.cnf" -new -sha256 -key "$work/$1.key" -subj "$2" -out "$tmp/$1.csr"
}
sign() { # NAME ISSUER PROFILE SAN DIGEST: NAME.pem from its request, valid $DAYS
  # No -set_serial: OpenSSL 3 then picks a random serial and writes no .srl.
  KX_SAN=$4 run "$openssl" x509 -req "-$5" -days $DAYS -in "$tmp/$1.csr" \
    -CA "$work/$2.pem" -CAkey "$work/$2.key" \
    -extfile "$tmp/ext.cnf" -extensions "$3" -out "$work/$1.pem"
}

for e in "${ENTITIES[@]}"; do
  IFS='|' read -r name issuer san profile cn <<<"$e"
  step="make the $name certificate ($san, signed by $issuer)"
  csr "$name" "/O=kxconform test PKI/OU=$name/CN=$cn"
  if [[ $name == expired ]]; then
    KX_SAN=$san run "$openssl" ca -batch -notext -config "$tmp/ca.cnf" -preserveDN \
      -in "$tmp/$name.csr" -out "$work/$name.pem" \
      -startdate $EXPIRED_START -enddate $EXPIRED_END \
      -extfile "$tmp/ext.cnf" -extensions "$profile"
  else
    sign "$name" "$issuer" "$profile" "$san" sha256
  fi
done
echo "pki: entity certificates (signed by root-ca): $(printf '%s.pem ' "${GOOD[@]}" | sed 's/ $//')"
echo "pki: bad certificates (negative cases): $(printf '%s.pem ' "${BAD[@]}" | sed 's/ $//')"

# ---- intermediate CAs, and the other forms of the good entities ---------------
for i in "${INTERMEDIATES[@]}"; do
  IFS='|' read -r name curve cn <<<"$i"
  step="make the intermediate CA $name ($curve, signed by root-ca)"
  genkey "$name" "$curve"
  csr "$name" "/O=kxconform test PKI/CN=$cn"
  sign "$name" root-ca intermediate_ca DNS:unused sha256
done
echo "pki: intermediate CAs (signed by root-ca): $(printf '%s.pem ' "${INTERMEDIATES[@]%%|*}" | sed 's/ $//')"

# FORMED lists every form certificate as "name|entity|issuer|curve|chain|san", chain being
# the intermediate its .pem carries after the leaf (empty: the leaf alone).
FORMED=()
for e in "${ENTITIES[@]}"; do
  IFS='|' read -r entity _ san profile cn <<<"$e"
  [[ " ${GOOD[*]} " == *" $entity "* ]] || continue
  for f in "${FORMS[@]}"; do
    IFS='|' read -r form issuer curve digest <<<"$f"
    name=$entity-$form
    step="make the $name certificate ($san, $curve, signed by $issuer)"
    genkey "$name" "$curve"
    csr "$name" "/O=kxconform test PKI/OU=$name/CN=$cn"
    sign "$name" "$issuer" "$profile" "$san" "$digest"
    if [[ $issuer == root-ca ]]; then
      FORMED+=("$name|$entity|$issuer|$curve||$san")
    else
      cp "$work/$name.pem" "$work/$name-leaf.pem"
      cp -p "$work/$name.key" "$work/$name-leaf.key"
      cat "$work/$issuer.pem" >>"$work/$name.pem"
      FORMED+=("$name|$entity|$issuer|$curve|$issuer|$san" "$name-leaf|$entity|$issuer|$curve||$san")
    fi
  done
done
echo "pki: other forms of every entity E: E-int.pem (chain: leaf by int-ca, int-ca), E-p384.pem (P-384 key," \
  "by root-ca), E-p384-int.pem (chain: P-384 leaf by int-ca-p384, int-ca-p384), E-int-leaf.pem and" \
  "E-p384-int-leaf.pem (their leaves alone): ${#FORMED[@]} certificates and keys"

# ---- self-check -------------------------------------------------------------
# expect_verify NAME CAFILE WANT [EXTRA-ARGS...]: WANT is OK or the expected
# OpenSSL error number (20 unable to get local issuer certificate, 10 expired,
# 26 unsupported certificate purpose, 62 hostname mismatch).
checks=0
expect_verify() {
  local name=$1 cafile=$2 want=$3 out rc=0
  shift 3
  step="self-check: verify $name.pem against $cafile${*:+ $*} (expect $want)"
  out=$(cd "$work" && "$openssl" verify -CAfile "$cafile" "$@" "$name.pem" 2>&1) || rc=$?
  if [[ $want == OK ]]; then
    [[ $rc -eq 0 && $out == "$name.pem: OK" ]] || die "got: $out"
  else
    [[ $rc -ne 0 ]] || die "verification passed, expected error $want"
    grep -q "^error $want at 0 depth" <<<"$out" || die "expected error $want, got: $out"
  fi
  checks=$((checks + 1))
}
expect_verify root-ca root-ca.pem OK
expect_verify other-ca other-ca.pem OK
for name in "${GOOD[@]}" wrong-name; do
  expect_verify "$name" root-ca.pem OK -purpose sslserver
  expect_verify "$name" root-ca.pem OK -purpose sslclient
done
# The name checks a peer makes: OpenSSL matches the whole DNS SAN, '/' included.
expect_verify in-cse root-ca.pem OK -verify_hostname "$DOMAIN/in-cse"
expect_verify wrong-name root-ca.pem 62 -verify_hostname "$DOMAIN/in-cse"
expect_verify untrusted root-ca.pem 20
expect_verify untrusted other-ca.pem OK -purpose sslserver
expect_verify expired root-ca.pem 10
expect_verify expired root-ca.pem OK -no_check_time   # the expiry is its only fault
expect_verify wrong-usage root-ca.pem OK
expect_verify wrong-usage root-ca.pem 26 -purpose sslserver
expect_verify wrong-usage root-ca.pem 26 -purpose sslclient

# expect_san_and_key NAME SAN CURVE: the first certificate of NAME.pem (the leaf)
# names SAN and holds the public key of NAME.key, a key on the NIST curve CURVE.
# One x509 call reads all three: OpenSSL 3 takes tens of milliseconds to start.
expect_san_and_key() {
  local name=$1 san=$2 curve=$3 text got
  text=$("$openssl" x509 -in "$work/$name.pem" -noout -pubkey -text)
  step="self-check: subjectAltName of $name.pem is $san"
  got=$(sed -n '/X509v3 Subject Alternative Name:/{n;s/^ *//;p;}' <<<"$text")
  [[ $got == "$san" ]] || die "got '$got'"
  step="self-check: $name.key is the key of $name.pem"
  [[ $("$openssl" pkey -in "$work/$name.key" -pubout) == \
     $(sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' <<<"$text") ]] || die "public keys differ"
  step="self-check: the key of $name.pem is on $curve"
  grep -q "NIST CURVE: $curve\$" <<<"$text" || die "it is not"
  checks=$((checks + 3))
}
for e in "${ENTITIES[@]}"; do
  IFS='|' read -r name issuer san profile cn <<<"$e"
  expect_san_and_key "$name" "$san" P-256
done
step="self-check: the expired certificate's dates"
dates=$("$openssl" x509 -in "$work/expired.pem" -noout -startdate -enddate)
[[ $dates == $'notBefore=Jan  1 00:00:00 2020 GMT\nnotAfter=Jan  1 00:00:00 2021 GMT' ]] || die "got: $dates"
step="self-check: the wrong-usage certificate's key usages"
usage=$("$openssl" x509 -in "$work/wrong-usage.pem" -noout -ext keyUsage,extendedKeyUsage | tr -s ' \n' ' ')
[[ $usage == "X509v3 Key Usage: critical Key Encipherment X509v3 Extended Key Usage: E-mail Protection " ]] ||
  die "got: $usage"
checks=$((checks + 2))
# The intermediates, and every entity's other forms: a chain file verifies with
# nothing but root-ca trusted, its leaf alone does not (error 20 at depth 0:
# the issuer is unknown) until the intermediate is given as untrusted.
for i in "${INTERMEDIATES[@]}"; do
  IFS='|' read -r name curve cn <<<"$i"
  expect_verify "$name" root-ca.pem OK
  step="self-check: $name.pem is a CA for end-entities only, with a key on $curve"
  got=$("$openssl" x509 -in "$work/$name.pem" -noout -text)
  grep -q "CA:TRUE, pathlen:0\$" <<<"$got" && grep -q "NIST CURVE: $curve\$" <<<"$got" || die "it is not"
  checks=$((checks + 1))
done
for f in "${FORMED[@]}"; do
  IFS='|' read -r name entity issuer curve chain san <<<"$f"
  expect_san_and_key "$name" "$san" "$curve"
  if [[ -n $chain ]]; then
    step="self-check: $name.pem is its leaf, then $chain.pem"
    cmp -s <(cat "$work/$name-leaf.pem" "$work/$chain.pem") "$work/$name.pem" || die "it is not"
    checks=$((checks + 1))
    for purpose in sslserver sslclient; do
      expect_verify "$name" root-ca.pem OK -untrusted "$name.pem" -purpose $purpose
    done
  elif [[ $issuer == root-ca ]]; then
    for purpose in sslserver sslclient; do expect_verify "$name" root-ca.pem OK -purpose $purpose; done
  else
    expect_verify "$name" root-ca.pem 20
    expect_verify "$name" root-ca.pem OK -untrusted "$issuer.pem" -purpose sslserver
  fi
done
echo "pki: self-check: $checks checks passed ($ossl_version)"

# ---- manifest, then move into place -----------------------------------------
step="write the manifest"
{
  printf '{\n  "generated_by": "scripts/make-pki.sh",\n  "root": "root-ca.pem",\n'
  printf '  "untrusted_root": "other-ca.pem",\n  "entities": {\n'
  sep=""
  for e in "${ENTITIES[@]}"; do
    IFS='|' read -r name issuer san profile cn <<<"$e"
    extra=""
    [[ $name == expired ]] && extra=", \"notAfter\": \"$EXPIRED_END_ISO\""
    printf '%s    "%s": {"cert": "%s.pem", "key": "%s.key", "names": ["%s"], "issuer": "%s", "curve": "P-256"%s}' \
      "$sep" "$name" "$name" "$name" "$san" "$issuer" "$extra"
    sep=$',\n'
  done
  for f in "${FORMED[@]}"; do
    IFS='|' read -r name entity issuer curve chain san <<<"$f"
    printf '%s    "%s": {"cert": "%s.pem", "key": "%s.key", "names": ["%s"], "issuer": "%s", "curve": "%s", "chain": [%s], "form_of": "%s"}' \
      "$sep" "$name" "$name" "$name" "$san" "$issuer" "$curve" "${chain:+\"$chain\"}" "$entity"
  done
  printf '\n  },\n  "intermediates": {\n'
  sep=""
  for i in "${INTERMEDIATES[@]}"; do
    IFS='|' read -r name curve cn <<<"$i"
    printf '%s    "%s": {"cert": "%s.pem", "key": "%s.key", "issuer": "root-ca", "curve": "%s"}' \
      "$sep" "$name" "$name" "$name" "$curve"
    sep=$',\n'
  done
  printf '\n  }\n}\n'
} >"$work/pki.json"

step="move the PKI into $outdir"
rm -f "$outdir/pki.json"
for f in "$work"/*.pem "$work"/*.key; do
  mv -f "$f" "$outdir/"
done
mv -f "$work/pki.json" "$outdir/pki.json"
echo "pki: manifest: $outdir/pki.json"
