#!/usr/bin/env bash
# Installs the Debian packages the portal needs outside Python:
#   WeasyPrint's Pango stack and a CJK font (fonts-noto-cjk) for PDFs;
#   with --test also Chromium (end-to-end tests) and poppler-utils (pdftoppm: tests render PDF pages to read QR codes);
#   with --bench only wrk (the load generator of `make bench-load`).
# As root it uses apt-get; otherwise it stops and names the packages to install.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium poppler-utils)
elif [[ "${1:-}" == "--bench" ]]; then
  packages=(wrk)  # the HTTP load generator of `make bench-load`
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]} (install them with your package manager)." >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them as root:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
