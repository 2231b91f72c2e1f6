#!/usr/bin/env bash
# Builds Debian's own wolfssl source package statically into PREFIX.
# Usage: build-wolfssl.sh PREFIX CFLAGS CONFIGURE-OPTION...
# The source comes from Debian's archive through a private source list passed
# to apt-get with -o options: the system's apt configuration is not touched.
set -euo pipefail
prefix=$1; cflags=$2; shift 2
work=$prefix/src-work
log=$prefix/build.log
mkdir -p "$prefix" "$work"
: >"$log"
echo "wolfSSL: log in $log"

apt_dir=$work/apt
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
cat >"$apt_dir/parts/debian-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Sandbox::User=root")

cd "$work"
if ! ls wolfssl_*.dsc >/dev/null 2>&1; then
  echo "wolfSSL: downloading Debian's wolfssl source package"
  apt-get "${apt_opts[@]}" update >>"$log" 2>&1
  apt-get "${apt_opts[@]}" source --download-only wolfssl >>"$log" 2>&1
fi
dsc=$(ls wolfssl_*.dsc | sort -V | tail -n 1)
rm -rf src
dpkg-source -x "$dsc" src >>"$log" 2>&1
cd src
echo "wolfSSL: configuring $(basename "$dsc" .dsc)"
./autogen.sh >>"$log" 2>&1
./configure --prefix="$prefix" "$@" CFLAGS="$cflags" >>"$log" 2>&1
echo "wolfSSL: compiling"
make -j"$(nproc)" >>"$log" 2>&1
make install >>"$log" 2>&1
echo "$* CFLAGS=$cflags" >"$prefix/kx-configure-options"
echo "wolfSSL: installed into $prefix"
