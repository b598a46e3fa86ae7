#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for emlauth: the real peers the tests compare against (apt),
# and a virtualenv in .venv with the package (pip).
#   scripts/setup.sh            everything for the tests: peers + the package with its test extras (scripts/test)
#   scripts/setup.sh --python   only the virtualenv with what the CLI needs (enough for the offline samples)
set -euo pipefail
cd "$(dirname "$0")/.."

want_peers=1
[ "${1:-}" = "--python" ] && want_peers=0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

if [ "$want_peers" = 1 ]; then
    # Real counterparts, never mocks: knot (authoritative DNS), OpenDKIM, Mail::DKIM,
    # Postfix and swaks (milter integration), script(1) from bsdutils to give Postfix a terminal,
    # PostgreSQL 15 (the report store's second database) and Chromium (renders the report page headless).
    # miltertest: OpenDKIM's Lua milter tester, an independent client for our milter (tests/mail/test_miltertest.py)
    # libmilter-dev: Sendmail's milter library, for bench/null_milter.c (bench_milter.py's c-null row)
    packages=(knot opendkim opendkim-tools miltertest libmail-dkim-perl libnet-dns-perl postfix swaks bsdutils postgresql chromium
              libmilter-dev)
    missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# git checks files out 0644; the samples' test keys are still private keys, and the tools warn about them otherwise
chmod 600 keys/test/*/*.private.pem

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_peers" = 1 ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q -e .
fi
