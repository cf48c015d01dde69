# shellcheck shell=bash
# A Debian forky root that provides Python 3.14 (and current Debian packages) on an older host.
#
# ensure_forky_root            build it once (debootstrap from Debian's own mirror, about 90 s)
# forky_apt DIR PACKAGE...     install Debian packages inside it (once each)
# forky_run DIR COMMAND...     run COMMAND inside it, in DIR; the project's parent folder (the
#                              checkout and ../shared) is mounted at the same path, so paths agree.
# Needs root (chroot, mount). Mounts live in a private mount namespace and vanish with the command.

FORKY_ROOT="${BMW_MYBMW_FORKY_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/bmw_mybmw/forky-root}"
FORKY_STAMP="$FORKY_ROOT/.bmw_mybmw-root-ready"
FORKY_BASE_PACKAGES="python3.14,python3.14-venv,ca-certificates"

_forky_mirror() {
  # The Debian mirror the host's own apt sources name.
  local mirror
  mirror="$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
    /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n 1 | tr -d ' ')" || true
  echo "${mirror:-http://deb.debian.org/debian}"
}

_forky_sync_host_files() {
  # Name resolution and the CA bundle (some networks intercept TLS with their own CA) as the host has them.
  cp /etc/resolv.conf /etc/hosts "$1/etc/"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$1/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"
  fi
}

ensure_forky_root() {
  if [ -f "$FORKY_STAMP" ]; then
    _forky_sync_host_files "$FORKY_ROOT"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "The current-Home-Assistant lane needs root (debootstrap, chroot) for its Python 3.14 root." >&2
    return 1
  fi
  ensure_debian_package /usr/sbin/debootstrap debootstrap || return 1
  local tmp="$FORKY_ROOT.partial" mirror script
  mirror="$(_forky_mirror)"
  # debootstrap 1.0.128 ships no script named forky; sid's builds any testing suite.
  script=/usr/share/debootstrap/scripts/sid
  echo "== building a Debian forky root for Python 3.14 in $FORKY_ROOT (from $mirror, about 90 s)"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$FORKY_ROOT")"
  if ! debootstrap --variant=minbase --include="$FORKY_BASE_PACKAGES" forky "$tmp" "$mirror" "$script" \
    >"$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2
    echo "debootstrap failed (full log: $tmp.log)" >&2
    return 1
  fi
  rm -f "$tmp.log"
  _forky_sync_host_files "$tmp"
  rm -rf "$FORKY_ROOT"
  mv "$tmp" "$FORKY_ROOT"
  date -u +%FT%TZ >"$FORKY_STAMP"
}

forky_run() {
  local dir="$1" top
  shift
  top="$(cd "$dir/.." && pwd -P)"
  if [ "$top" = "/" ]; then
    echo "forky_run: $dir has no parent folder to mount" >&2
    return 1
  fi
  unshare --mount --propagation private -- bash -s -- "$FORKY_ROOT" "$top" "$(cd "$dir" && pwd -P)" "$@" <<'INNER'
set -e
root="$1" top="$2" cwd="$3"
shift 3
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
mkdir -p "$root$top"
mount --bind "$top" "$root$top"
keep=()
for name in CI TERM COLUMNS PYTEST_ADDOPTS E2E_UPDATE_SCREENSHOT BENCH_QUICK HYPOTHESIS_PROFILE \
  RELIABILITY_DOC $(compgen -v MYBMW_) $(compgen -v CARDATA_); do
  if [ -n "${!name+x}" ]; then keep+=("$name=${!name}"); fi
done
exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TZ=UTC \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 "${keep[@]}" \
  /bin/bash -c 'cd "$0" && exec "$@"' "$cwd" "$@"
INNER
}

forky_apt() {
  # forky_apt DIR PACKAGE...: install Debian forky packages in the root (each once).
  local dir="$1" missing=() package
  shift
  for package in "$@"; do
    if ! grep -qx "$package" "$FORKY_ROOT/.bmw_mybmw-apt" 2>/dev/null; then missing+=("$package"); fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "== installing Debian forky's ${missing[*]} in the Python 3.14 root"
  # The root's package lists may be older than their Valid-Until stamp allows.
  forky_run "$dir" env DEBIAN_FRONTEND=noninteractive bash -c \
    'apt-get -qq -o Acquire::Check-Valid-Until=false update &&
      apt-get install -y -qq --no-install-recommends "$@" >/dev/null' _ "${missing[@]}" || return 1
  printf '%s\n' "${missing[@]}" >>"$FORKY_ROOT/.bmw_mybmw-apt"
}
