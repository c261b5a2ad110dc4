# Sourced by the scripts in this folder: finds uv, the Pythons and the httpx variants the suite
# runs on. Not a command itself. uv is pointed at real interpreter paths and never asked to
# download one: a Python that is neither on PATH nor in pyenv runs in a small Debian root (below).

export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1
UV_VERSION=0.13.9
SUPPORTED_PYTHONS=(3.11 3.12 3.13 3.14 3.15)
DEFAULT_PYTHON=3.11
# The httpx variants besides the locked one (uv.lock: 0.29): the lowest release pyproject admits
# (httpx>=0.27), and httpx2 standing in for httpx (scripts/_httpx2_lane.py). Pinned exactly.
HTTPX_LOWEST=0.27.0
HTTPX2_VERSION=2.17.0
# Where Pythons the machine lacks come from: Debian unstable, in a root made once and kept.
DEBIAN_ROOT=${API_KEYS_DEBIAN_ROOT:-${XDG_CACHE_HOME:-${HOME:-$PWD}/.cache}/api-keys-client/debian-unstable}
DEBIAN_ROOT_PACKAGES=ca-certificates,gcc,libc6-dev,python3.14,python3.14-dev,python3.14-venv,python3.15,python3.15-dev,python3.15-venv

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

# The virtual environment used for Python X.Y: .venv for the default, .venvs/X.Y for the others;
# with an httpx variant (lowest, httpx2), .venvs/X.Y-VARIANT.
env_dir_for() {
  if [[ -n "${2:-}" ]]; then echo "$PWD/.venvs/$1-$2"
  elif [[ "$1" == "$DEFAULT_PYTHON" ]]; then echo "$PWD/.venv"
  else echo "$PWD/.venvs/$1"; fi
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

# The Debian mirror this machine's apt uses, never a name of ours: the URIs of debian.sources
# (deb822), else of the first `deb` line of sources.list (its [options] skipped).
debian_mirror() {
  local mirror=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  [[ -n "$mirror" ]] || { echo "bootstrap: no Debian mirror in this machine's apt sources" >&2; return 1; }
  echo "$mirror"
}

# Make the Debian unstable root (python3.14, python3.15, a compiler for sdists without their
# wheels) once: about a minute and 1 GB, kept in DEBIAN_ROOT for later runs. Needs root.
ensure_debian_root() {
  [[ -f "$DEBIAN_ROOT/.complete" ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: Python 3.14/3.15 are missing and making a Debian root for them needs root" >&2
    return 1
  fi
  ensure_debian_tools debootstrap:debootstrap || return 1
  local mirror building="$DEBIAN_ROOT.building"
  mirror=$(debian_mirror) || return 1
  echo "bootstrap: making a Debian unstable root with Python 3.14 and 3.15 in $DEBIAN_ROOT" >&2
  rm -rf "$building" && mkdir -p "$(dirname "$DEBIAN_ROOT")" || return 1
  debootstrap --variant=minbase --include="$DEBIAN_ROOT_PACKAGES" unstable "$building" \
    "$mirror" >"$building.log" 2>&1 || { tail -20 "$building.log" >&2; return 1; }
  rm -rf "$DEBIAN_ROOT" && mv "$building" "$DEBIAN_ROOT" || return 1
  touch "$DEBIAN_ROOT/.complete"
}

# Run a command in the Debian root, in this checkout's own copy there (/projects/ID, its
# environments kept between runs), with the host's uv and CA bundle, and /proc mounted for the
# run. One run at a time uses the root (a lock), and /proc is unmounted however the run ends.
# Call it in a subshell of its own (it sets traps). Usage: in_debian_root COMMAND...
in_debian_root() {
  local uv ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} id project
  uv=$(find_uv) || return 1
  id=$(printf '%s' "$PWD" | sha256sum | cut -c1-16)
  project="$DEBIAN_ROOT/projects/$id"
  exec 9>"$DEBIAN_ROOT/.lock"
  flock 9 || return 1
  install -m 0755 "$uv" "$DEBIAN_ROOT/usr/local/bin/uv" || return 1
  # The registries this machine reaches may need its own CA bundle.
  [[ -f "$ca" ]] || ca="$DEBIAN_ROOT/etc/ssl/certs/ca-certificates.crt"
  cp "$ca" "$DEBIAN_ROOT/etc/ssl/certs/host-ca-bundle.crt" || return 1
  cp /etc/resolv.conf "$DEBIAN_ROOT/etc/resolv.conf" || return 1
  mkdir -p "$project" || return 1
  find "$project" -mindepth 1 -maxdepth 1 ! -name .venvs ! -name .venv -exec rm -rf {} + || return 1
  git ls-files -co --exclude-standard -z | tar -cf - --null -T - | tar -xf - -C "$project" ||
    return 1
  trap 'umount "$DEBIAN_ROOT/proc" 2>/dev/null' EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mountpoint -q "$DEBIAN_ROOT/proc" || mount -t proc proc "$DEBIAN_ROOT/proc" || return 1
  chroot "$DEBIAN_ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 CI="${CI:-}" \
    PATH=/usr/local/bin:/usr/bin:/bin SSL_CERT_FILE=/etc/ssl/certs/host-ca-bundle.crt \
    UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 \
    /bin/bash -c 'cd "$1" && shift && "$@"' in-debian-root "/projects/$id" "$@"
}
