# Sourced by scripts/demo and scripts/test: make .venv and install into it ("$@" goes to pip).
# It takes the newest supported Python it finds (3.13, then 3.12, then 3.11: on PATH, then
# under pyenv's versions), or the one named by PYTHON=/path/to/python. An existing .venv on
# 3.11 or newer is kept (a note says when a newer Python is installed); one on an older
# version, or broken, is made again, and that is said too. Also defines, for scripts/test:
# SUPPORTED_PYTHONS, python_version, find_python and make_venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Newest first. The floor is pyproject.toml's requires-python; the top is the newest that
# Django 5.2 and the pinned dependencies support and that the suite ran on.
SUPPORTED_PYTHONS=(3.13 3.12 3.11)

# Print the X.Y version of a Python command, or nothing when it does not run (a pyenv shim
# for a version that is installed but not selected exits with an error).
python_version() { # command
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}

is_supported() { # X.Y
  local version
  for version in "${SUPPORTED_PYTHONS[@]}"; do
    [ "$1" = "$version" ] && return 0
  done
  return 1
}

# Print the path of a working Python X.Y, or nothing: pythonX.Y on PATH first, then the
# newest pyenv install of X.Y (free-threaded "t" builds left out).
find_python() { # X.Y
  local root="${PYENV_ROOT:-$HOME/.pyenv}" candidate
  local candidates=()
  candidate="$(command -v "python$1" 2>/dev/null || true)"
  [ -n "$candidate" ] && candidates+=("$candidate")
  if [ -d "$root/versions" ]; then
    while IFS= read -r candidate; do
      candidates+=("$candidate")
    done < <(find "$root/versions" -maxdepth 3 -path "$root/versions/$1.*/bin/python$1" \
      -not -path "$root/versions/$1.*t/*" 2>/dev/null | sort -rV)
  fi
  for candidate in "${candidates[@]}"; do
    if [ "$(python_version "$candidate")" = "$1" ]; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return
    fi
  done
}

# Make the virtual environment DIR with PYTHON unless it is already on PYTHON's version
# (one on another version, or broken, is made again, and that is said), then install.
make_venv() { # dir python pip-arguments...
  local dir="$1" python="$2" want have
  shift 2
  want="$(python_version "$python")"
  if [ -z "$want" ]; then
    echo "$python does not run." >&2
    return 1
  fi
  if [ -e "$dir" ]; then
    have="$(python_version "$dir/bin/python")"
    if [ "$have" != "$want" ]; then
      echo "$dir is on Python ${have:-(broken)}: making it again with Python $want ($python)."
      "$python" -m venv --clear "$dir" || return 1
    fi
  else
    "$python" -m venv "$dir" || return 1
  fi
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip &&
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

newest_python() {
  local version found
  for version in "${SUPPORTED_PYTHONS[@]}"; do
    found="$(find_python "$version")"
    if [ -n "$found" ]; then
      echo "$found"
      return
    fi
  done
}

OLDEST_PYTHON="${SUPPORTED_PYTHONS[${#SUPPORTED_PYTHONS[@]} - 1]}"

newer() { # X.Y X.Y: whether the first is the newer
  [ "$1" != "$2" ] && [ "$(printf '%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]
}

if [ -n "${PYTHON:-}" ]; then
  version="$(python_version "$PYTHON")"
  if [ -z "$version" ]; then
    echo "PYTHON=$PYTHON does not run." >&2
    exit 1
  elif newer "$OLDEST_PYTHON" "$version"; then
    echo "PYTHON=$PYTHON is Python $version: $OLDEST_PYTHON or newer is needed." >&2
    exit 1
  elif ! is_supported "$version"; then
    echo "Note: Python $version is newer than the tested ones (${SUPPORTED_PYTHONS[*]})." >&2
  fi
  make_venv .venv "$PYTHON" "$@"
else
  current="$(python_version .venv/bin/python)"
  newest="$(newest_python)"
  if [ -n "$current" ] && ! newer "$OLDEST_PYTHON" "$current"; then
    newest_version="$(python_version "${newest:-false}")"
    if [ -n "$newest_version" ] && newer "$newest_version" "$current"; then
      echo "Keeping .venv on Python $current; Python $newest_version is installed too" \
        "(to switch: rm -rf .venv, or PYTHON=$newest)."
    fi
    make_venv .venv .venv/bin/python "$@"
  elif [ -n "$newest" ]; then
    make_venv .venv "$newest" "$@"
  else
    echo "Python ${SUPPORTED_PYTHONS[*]} not found, on PATH or under pyenv" \
      "(set PYTHON=/path/to/python3.13)." >&2
    exit 1
  fi
fi
