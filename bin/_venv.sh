# Sourced by bin/quickstart and bin/test: make .venv with Python >= 3.12 and install Recouvre into it.
# RECOUVRE_PYTHON may name the interpreter to use. EXTRAS=dev also installs the test tools.
find_python() {
    local candidates=("${RECOUVRE_PYTHON:-}" python3.13 python3.12)
    if command -v pyenv >/dev/null 2>&1; then
        for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do
            candidates+=("$(pyenv root)/versions/$v/bin/python")
        done
    fi
    for v in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python; do candidates+=("$v"); done
    candidates+=(python3)
    for c in "${candidates[@]}"; do
        [ -n "$c" ] || continue
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    echo "Recouvre needs Python 3.12 or newer; set RECOUVRE_PYTHON to its path." >&2
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    rm -rf .venv
    echo "Setting up Python for Recouvre in .venv (a few minutes the first time)..."
    "$(find_python)" -m venv .venv
    .venv/bin/python -m pip install --quiet --quiet --upgrade pip
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${EXTRAS:-base}"
if [ ! -f "$stamp" ]; then
    if [ -n "${EXTRAS:-}" ]; then
        .venv/bin/python -m pip install --quiet --quiet -e ".[${EXTRAS}]"
    else
        .venv/bin/python -m pip install --quiet --quiet -e .
    fi
    touch "$stamp"
fi
