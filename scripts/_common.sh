# Sourced by the scripts in this folder: finds uv and the pinned Pythons. Not a command itself.
# The machine has CPython 3.11-3.13 through pyenv and no way to download interpreters, so uv is
# pointed at real interpreter paths and never asked to download one.

export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1
UV_VERSION=0.13.9
SUPPORTED_PYTHONS=(3.11 3.12 3.13)
DEFAULT_PYTHON=3.11

# Print the path of uv, installing the pinned version into .tools/ when it is not on PATH.
find_uv() {
  if command -v uv >/dev/null 2>&1 && [[ "$(uv --version)" == "uv $UV_VERSION"* ]]; then
    command -v uv
    return
  fi
  if [[ ! -x .tools/bin/uv ]]; then
    echo "bootstrap: installing uv $UV_VERSION into .tools/" >&2
    python3 -m venv .tools >&2
    .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
  fi
  echo "$PWD/.tools/bin/uv"
}

# Print the path of an interpreter for Python X.Y: on PATH, or among pyenv's installed versions.
find_python() {
  local version=$1 candidate
  for candidate in "python$version" \
      "$(pyenv root 2>/dev/null)"/versions/"$version".*/bin/python"$version" \
      /usr/local/bin/python"$version" /usr/bin/python"$version"; do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return
    fi
  done
  return 1
}

# The virtual environment used for Python X.Y: .venv for the default, .venvs/X.Y for the others.
env_dir_for() {
  if [[ "$1" == "$DEFAULT_PYTHON" ]]; then echo "$PWD/.venv"; else echo "$PWD/.venvs/$1"; fi
}

# Install the Debian packages the tests drive from outside (a real terminal; later a browser)
# when their command is missing. Usage: ensure_debian_tools COMMAND:PACKAGE ...
ensure_debian_tools() {
  local wanted=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || wanted+=("${pair#*:}")
  done
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  if ! command -v apt-get >/dev/null 2>&1 || [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: the tests need ${wanted[*]}; install them (apt-get install ${wanted[*]})" >&2
    return 1
  fi
  echo "bootstrap: installing ${wanted[*]} from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >&2
}
