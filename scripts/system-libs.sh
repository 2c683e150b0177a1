#!/usr/bin/env bash
# The system libraries tvec's PDF engine (WeasyPrint) loads at run time: Pango and HarfBuzz with
# their fonts. Debian's packages; installed here when missing and we may (root, or sudo without a
# password), else a one-line message saying what to install.
set -euo pipefail
need=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core)
missing=()
for pkg in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "tvec needs these system packages for PDF output: ${missing[*]} (apt-get install them)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}"
