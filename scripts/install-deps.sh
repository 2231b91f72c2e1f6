#!/usr/bin/env bash
# Installs the Debian packages a make target needs, only those missing.
# Usage: install-deps.sh build|test|conformance|check-ci|npm
# Each package is listed with the reason the harness needs it (README.md,
# "Dependencies"). Needs root or sudo when something is missing.
set -euo pipefail

build_packages=(
  "cmake:the build system (CMakeLists.txt)"
  "gcc:the C11 compiler"
  "make:drives the two top-level commands"
  "pkg-config:finds jansson and cmocka for CMake"
  "openssl:the command-line tool that generates the test PKI (scripts/make-pki.sh)"
  "libssl-dev:OpenSSL 3, the first reference backend"
  "libjansson-dev:JSON for vectors, the driver protocol and reports"
  "libunistring-dev:NFKC normalisation of identifiers (TS-0003 10.3.6)"
  "libcmocka-dev:the C unit tests"
  "libcurl4-openssl-dev:the HTTP client of kxconform http (TS-0009 binding); plain http:// only"
  "libmicrohttpd-dev:the HTTP server of kxconform http listen (TS-0009 binding)"
  "autoconf:builds Debian's wolfssl source package (wolfSSL with PSK)"
  "automake:builds Debian's wolfssl source package"
  "libtool:builds Debian's wolfssl source package"
  "dpkg-dev:dpkg-source unpacks Debian's wolfssl source package"
  "ca-certificates:verifies Debian's archive over the network"
)
test_packages=(
  "python3:runs the vector generator and the end-to-end tests"
  "python3-pytest:drives the end-to-end tests in suites/"
  "python3-pytest-xdist:spreads the end-to-end tests over every core (pytest -n auto): CI time halves on two"
  "python3-jsonschema:validates vector files and reports against their JSON Schemas"
  "python3-yaml:reads the CI templates in ci/ (ci/check_ci.py)"
  "tshark:checks that every capture decrypts with no set-up (the tests check the check)"
  "chromium:loads the HTML report in a headless browser in a test"
  "gnutls-bin:gnutls-serv and gnutls-cli play the vendor in the kxconform live tests"
)
check_ci_packages=(
  "parallel:GNU parallel runs the shards of ci/parallel.sh"
)
# Only when no npm is on PATH (a Node installed otherwise is used as it is).
npm_packages=(
  "npm:installs the GitHub workflow validator (@action-validator/cli) into build/ci-node"
)
conformance_packages=(
  "tshark:checks that every capture decrypts with no set-up"
)

case "${1:-}" in
  build) wanted=("${build_packages[@]}") ;;
  test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  conformance) wanted=("${build_packages[@]}" "${conformance_packages[@]}") ;;
  check-ci) wanted=("${build_packages[@]}" "${test_packages[@]}" "${check_ci_packages[@]}") ;;
  npm) wanted=("${npm_packages[@]}") ;;
  *) echo "usage: $0 build|test|conformance|check-ci|npm" >&2; exit 2 ;;
esac

missing=()
for entry in "${wanted[@]}"; do
  package=${entry%%:*}
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$entry")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages:"
names=()
for entry in "${missing[@]}"; do
  printf '  %-22s %s\n' "${entry%%:*}" "${entry#*:}"
  names+=("${entry%%:*}")
done
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "error: installing needs root or sudo; as root run: apt-get install ${names[*]}" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${names[@]}" >/dev/null
echo "Installed: ${names[*]}"
