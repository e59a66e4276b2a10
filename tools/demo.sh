#!/usr/bin/env bash
# The main job: the embedded default hospital under blame, Just Culture and a switch between them.
# Installs what is missing first. Extra arguments go to `culturesim demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
"${CULTURESIM_VENV:-.venv}/bin/culturesim" demo "$@"
