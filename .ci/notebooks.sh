#!/usr/bin/env bash
# CI for the notebooks, on a fresh Debian or Ubuntu machine with Node.js and npm (as root, or with sudo):
# installs Jupyter and Chromium from the distribution's packages and the Deno kernel, executes every
# notebook with `deno task notebooks`, runs the executor's and the page checker's own tests, and opens
# every runs/**/results.html in headless Chromium to check that each chart rendered and each image
# loaded. Ends with a plain "N passed, N failed" line over those steps.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DEBIAN_FRONTEND=noninteractive
deno() { npx -y deno@2.9.6 "$@"; }
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo

echo "== apt-get install Jupyter, Chromium and fonts"
# Jupyter: nbconvert and nbclient bring nbformat; jupyter-client is the executor's library; ipykernel
# completes a Jupyter that people can also open. Chromium renders text with the fonts installed here.
if ! { $sudo apt-get update -qq &&
  $sudo apt-get install -y -qq --no-install-recommends \
    jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel \
    chromium fonts-liberation fonts-dejavu-core >/dev/null; }; then
  echo "apt-get failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== deno jupyter --install --force"
if ! deno jupyter --install --force; then
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0 failed=0
step() {
  echo "== $1"
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

step "deno task notebooks" deno task notebooks
step "executor and page checker tests (late outputs, errors, timeouts, Chromium)" \
  deno test --allow-read=. --allow-write=.tmp --allow-run=/usr/bin/python3,chromium tools/notebooks/
if find runs -name results.html 2>/dev/null | grep -q .; then
  step "results.html in headless Chromium" \
    deno run --allow-read=runs --allow-run=chromium tools/notebooks/check_html.ts
else
  echo "== results.html in headless Chromium: no runs/**/results.html was written (03_exact_joint writes one)"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
