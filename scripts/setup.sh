#!/usr/bin/env bash
# Installs kmig's build and test dependencies from Debian packages. Idempotent:
# does nothing when everything is present. Needs root (or sudo) the first time.
set -euo pipefail
pkgs=(build-essential cmake pkg-config librdkafka-dev libjansson-dev libpcre2-dev
      libmicrohttpd-dev libssl-dev libcurl4-openssl-dev libyaml-dev libzookeeper-mt-dev
      zookeeper maven default-jre-headless curl procps jq python3-yaml python3-pyhcl
      chromium) # chromium: the real tier's dashboard test (headless; a large package)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
