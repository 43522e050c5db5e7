#!/usr/bin/env bash
# Creates model-training/.venv (if missing) and installs llm4es-training with its
# [train,dev,bench,notebook] extras (dev: pytest and ruff) and CPU torch. Uses the local PyPI mirror
# when this machine has one. Safe to re-run: it does nothing when pyproject.toml and this script are
# unchanged since the last install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
torch_version="2.13.0"

if [[ -d /opt/pypi/simple ]]; then
  export PIP_INDEX_URL="file:///opt/pypi/simple"
  [[ -d /opt/wheels ]] && export PIP_FIND_LINKS="/opt/wheels"
  torch_source=()
else
  # The public index serves CUDA builds of torch on Linux; the CPU build comes from PyTorch's index.
  torch_source=(--index-url https://download.pytorch.org/whl/cpu)
fi

stamp="$venv/.llm4es-install-stamp"
fingerprint="$(cat "$here/pyproject.toml" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "model-training: environment up to date ($venv)"
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
if ! "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
  "$venv/bin/pip" install --quiet "${torch_source[@]}" "torch==$torch_version"
fi
"$venv/bin/pip" install --quiet -e "$here[train,dev,bench,notebook]"
echo "$fingerprint" > "$stamp"
echo "model-training: installed into $venv"
