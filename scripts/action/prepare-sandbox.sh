#!/usr/bin/env bash
# Makes bosun's render sandbox work on the runner (action.yml, input `prepare-sandbox`): bosun renders a
# pull request's manifests with kustomize and helm inside bubblewrap, and a fork's pull request is
# untrusted, so the sandbox stays on in CI.
#
# 1. bubblewrap: not on GitHub's Ubuntu images; installed from Ubuntu's archive with sudo.
# 2. Ubuntu 23.10 and later (the ubuntu-24.04 / ubuntu-latest runners) set
#    kernel.apparmor_restrict_unprivileged_userns=1: only programs with an AppArmor profile that allows
#    `userns` may create the unprivileged user namespaces bwrap is built on ("bwrap: setting up uid map:
#    Permission denied"). When bwrap cannot start, this loads such a profile for bwrap alone (the
#    narrower fix, as Ubuntu's release notes describe), and only if AppArmor cannot load it, turns the
#    restriction off for this throw-away runner.
set -euo pipefail

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
works() { bwrap --unshare-all --die-with-parent --ro-bind / / true 2>/dev/null; }

if ! command -v bwrap >/dev/null 2>&1; then
  echo "bosun: installing bubblewrap (the render sandbox)"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi

if ! works; then
  restrict=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
  if [ -r "$restrict" ] && [ "$(cat "$restrict")" = 1 ]; then
    bwrap_path=$(readlink -f "$(command -v bwrap)")
    if command -v apparmor_parser >/dev/null 2>&1 && [ -d /etc/apparmor.d ]; then
      echo "bosun: AppArmor restricts unprivileged user namespaces; allowing them for $bwrap_path only"
      printf 'abi <abi/4.0>,\ninclude <tunables/global>\n\nprofile bosun-bwrap %s flags=(unconfined) {\n  userns,\n}\n' "$bwrap_path" | sudo_ tee /etc/apparmor.d/bosun-bwrap >/dev/null
      sudo_ apparmor_parser -r /etc/apparmor.d/bosun-bwrap || true
    fi
    if ! works; then
      echo "bosun: turning kernel.apparmor_restrict_unprivileged_userns off on this runner"
      sudo_ sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0
    fi
  fi
fi

if ! works; then
  echo "::error title=bosun::bubblewrap cannot create its sandbox on this runner: $(bwrap --unshare-all --die-with-parent --ro-bind / / true 2>&1 | head -1). Use a GitHub-hosted Ubuntu runner, or allow unprivileged user namespaces on yours."
  exit 1
fi
echo "bosun: the render sandbox works ($(bwrap --version))"
