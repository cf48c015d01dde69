# shellcheck shell=bash
# ensure_debian_package PATH PACKAGE: install PACKAGE with apt when PATH is missing.
# Never fails: the caller decides what a missing tool means (usually a clean skip).
ensure_debian_package() {
  local path="$1" package="$2" sudo=""
  [ -x "$path" ] && return 0
  echo "== installing Debian's $package"
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; fi
  if ! { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null; }; then
    echo "apt-get could not install $package" >&2
  fi
  [ -x "$path" ]
}
