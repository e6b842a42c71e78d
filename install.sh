#!/usr/bin/env bash
# devkit installer: a new hire's one-liner, for macOS (Intel or Apple Silicon) and Linux.
#
#   curl -fsSL <where your team hosts it>/install.sh | bash
#   curl -fsSL <...>/install.sh | bash -s -- --no-setup
#   ./install.sh [options] [-- devkit setup options]
#
# It needs no sudo and is safe to re-run. It installs devkit into its own environment (a venv
# from a Python >= 3.10 already on the machine, or, when there is none, a small micromamba env)
# with uv when uv is on PATH, else with pip, links `devkit` into ~/.local/bin, then runs
# `devkit setup`. See docs/setup.md.
#
# Everything below is one { ... } group closed on the last line. bash reads a whole group before
# it runs any of it, so a download cut short anywhere is a syntax error and nothing runs. (Run
# statement by statement, a script cut inside its `ln` line once installed devkit, linked it
# nowhere, left a stray `devkit` link in the current folder, and exited 0.)
{
set -euo pipefail

# A team that forks devkit puts where its copy lives here (a git URL, a path or a pip spec), so
# the one-liner needs no variables. DEVKIT_SOURCE overrides it.
DEFAULT_SOURCE=""
MIN_PYTHON="3.10"
# Read here, not in a function: there bash names a piped script "main", not "".
here="${BASH_SOURCE[0]:-}"

say() { printf 'devkit-install: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

usage() {
  cat <<'EOF'
Usage: install.sh [--no-setup] [--bin-dir DIR] [--installer NAME] [--check] [-h|--help]
                  [-- SETUP-OPTIONS...]

Installs devkit into its own environment, links it into ~/.local/bin, then runs `devkit setup`
(interactive on a terminal, `--yes` otherwise). Options after `--` go to `devkit setup`.

  --no-setup        install devkit only
  --bin-dir DIR     where to link `devkit` (default: ~/.local/bin; env DEVKIT_BIN_DIR)
  --installer NAME  auto (default: uv if it is on PATH, else pip), pip, uv, or uv-tool
                    (`uv tool install`); env DEVKIT_INSTALLER
  --check           report the platform and prerequisites, change nothing
  -h, --help        this help

Environment:
  DEVKIT_SOURCE          where devkit comes from: a git URL, a local path, or a pip spec
                         (the package is devkit-monorepo: `devkit` on PyPI is another project)
  DEVKIT_PIP_ARGS        extra pip (or `uv pip`) arguments, e.g. --index-url for a mirror
  DEVKIT_PYTHON          the Python to build devkit's venv with ("none": use micromamba)
  DEVKIT_HOME            where devkit keeps its files (default: the platform's data folder)
  DEVKIT_MICROMAMBA_URL  mirror folder holding micromamba-<platform> and its .sha256
  PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, pip.conf
                         a company index and CA bundle: pip reads them, and uv is given them
EOF
}

parse_args() {
  run_setup=1
  check_only=0
  bin_dir="${DEVKIT_BIN_DIR:-$HOME/.local/bin}"
  installer="${DEVKIT_INSTALLER:-auto}"
  setup_args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --no-setup) run_setup=0 ;;
      --check) check_only=1 ;;
      --bin-dir)
        [ $# -ge 2 ] || die "--bin-dir needs a folder"
        bin_dir="$2"
        shift
        ;;
      --installer)
        [ $# -ge 2 ] || die "--installer needs one of auto, pip, uv, uv-tool"
        installer="$2"
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      --)
        shift
        setup_args=("$@")
        break
        ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
    shift
  done
}

detect_platform() {
  local os_name arch rosetta=0
  os_name="$(uname -s)"
  arch="$(uname -m)"
  case "$os_name" in
    Linux) os_part=linux ;;
    Darwin) os_part=osx ;;
    *) die "unsupported system $os_name: devkit supports macOS and Linux (on Windows, use WSL2)" ;;
  esac
  if [ "$os_part" = osx ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    rosetta=1
    say "warning: this shell runs under Rosetta (x86_64 on an Apple Silicon Mac)."
    say "  envs built from it would be osx-64, unlike your teammates' osx-arm64 ones."
    say "  Open a native terminal (uname -m should say arm64); installing for osx-arm64."
    arch=arm64
  fi
  case "$os_part-$arch" in
    linux-x86_64 | linux-amd64) subdir=linux-64 ;;
    linux-aarch64 | linux-arm64) subdir=linux-aarch64 ;;
    linux-ppc64le) subdir=linux-ppc64le ;;
    osx-x86_64) subdir=osx-64 ;;
    osx-arm64) subdir=osx-arm64 ;;
    *) die "unsupported machine $os_name $arch" ;;
  esac
  say "platform: $os_name $arch ($subdir)$([ "$rosetta" = 1 ] && echo ', under Rosetta')"
}

missing=0
need() {
  # $1 program, $2 how to get it
  if ! command -v "$1" >/dev/null 2>&1; then
    say "missing: $1 — $2"
    missing=1
  fi
}

check_prerequisites() {
  if [ "$os_part" = osx ]; then
    need git "install the Xcode Command Line Tools: xcode-select --install"
  else
    need git "install it with your package manager, e.g. sudo apt-get install git"
  fi
  if command -v curl >/dev/null 2>&1; then
    fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }
  elif command -v wget >/dev/null 2>&1; then
    fetch() { wget -q -O "$2" "$1"; }
  else
    say "missing: curl or wget — install one (macOS ships curl; Linux: sudo apt-get install curl)"
    missing=1
  fi
  if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
  elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
  else
    say "missing: sha256sum or shasum — needed to verify downloads (coreutils or perl)"
    missing=1
  fi
  [ "$missing" = 0 ] || die "install what is missing above, then run this again"
}

python_ok() {
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

find_python() {
  local candidate
  python=""
  if [ -n "${DEVKIT_PYTHON:-}" ]; then
    if [ "$DEVKIT_PYTHON" != none ]; then
      python_ok "$DEVKIT_PYTHON" || die "DEVKIT_PYTHON=$DEVKIT_PYTHON is not a Python >= $MIN_PYTHON with venv"
      python="$DEVKIT_PYTHON"
    fi
  else
    for candidate in python3.13 python3.12 python3.11 python3.10 python3; do
      if command -v "$candidate" >/dev/null 2>&1 && python_ok "$(command -v "$candidate")"; then
        python="$(command -v "$candidate")"
        break
      fi
    done
  fi
  say "python: ${python:-none >= $MIN_PYTHON found; devkit will get its own through micromamba}"
}

find_installer() {
  local why="as asked"
  uv=""
  case "$installer" in
    auto)
      if command -v uv >/dev/null 2>&1; then
        uv="$(command -v uv)"
        installer=uv
      else
        installer=pip
        why="no uv on PATH"
      fi
      ;;
    pip) ;;
    uv | uv-tool)
      command -v uv >/dev/null 2>&1 || die "installer $installer: uv is not on PATH (or use --installer pip)"
      uv="$(command -v uv)"
      ;;
    *) die "unknown installer $installer: auto, pip, uv or uv-tool" ;;
  esac
  if [ "$installer" = uv-tool ] && [ -z "$python" ]; then
    die "installer uv-tool needs a Python >= $MIN_PYTHON on PATH (or DEVKIT_PYTHON)"
  fi
  if [ -n "$uv" ]; then
    local version
    version="$("$uv" --version 2>/dev/null || echo uv)"
    say "installer: $installer (${version%% (*} at $uv)"
  else
    say "installer: pip ($why)"
  fi
}

find_data_dir() {
  # Where devkit keeps its files: the same folders platformdirs gives devkit itself.
  if [ -n "${DEVKIT_HOME:-}" ]; then
    data_dir="$DEVKIT_HOME/data"
  elif [ "$os_part" = osx ]; then
    data_dir="$HOME/Library/Application Support/devkit"
  else
    data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/devkit"
  fi
  say "devkit's files: $data_dir"
  case ":$PATH:" in
    *":$bin_dir:"*) say "command: $bin_dir/devkit (on PATH)" ;;
    *) say "command: $bin_dir/devkit (not on PATH yet: the install says how to add it)" ;;
  esac
}

find_source() {
  local source_spec="${DEVKIT_SOURCE:-$DEFAULT_SOURCE}"
  if [ -z "$source_spec" ]; then
    if [ -n "$here" ] && [ -f "$here" ] && grep -qs '^name = "devkit-monorepo"' "$(dirname "$here")/pyproject.toml"; then
      source_spec="$(cd "$(dirname "$here")" && pwd)"
    else
      die "set DEVKIT_SOURCE to where your team publishes devkit (a git URL, a path or a pip spec)"
    fi
  fi
  case "$source_spec" in
    git+*) pip_spec="$source_spec" ;;
    git@* | ssh://* | *.git | *.git@*) pip_spec="git+$source_spec" ;;
    *) pip_spec="$source_spec" ;;
  esac
  say "devkit from: $pip_spec"
}

# --- the settings pip and uv share ------------------------------------------------------------
# pip takes a company's index and CA bundle from PIP_* variables, REQUESTS_CA_BUNDLE and pip.conf;
# uv reads none of those (only UV_* and SSL_CERT_FILE), so without this the uv route would go
# around the company's mirror. Each runs in a subshell: what it exports reaches one command only.

pip_settings=""
read_pip_settings() {
  # `pip config list` prints the merged pip.conf keys as section.key='value'. It costs a pip
  # start (a few tenths of a second), so only when a variable does not already say it all.
  local with
  for with in "$python" "${env_dir:+$env_dir/bin/python}"; do
    if [ -n "$with" ] && pip_settings="$("$with" -m pip config list 2>/dev/null)"; then
      return 0
    fi
  done
  pip_settings=""
}

pip_setting() {
  # $1 a pip.conf key: its value, [install] over [global], or nothing. A value on several lines
  # (extra-index-url often is) comes as '\nurl1\nurl2': uv wants the URLs separated by spaces.
  local line value="" words
  while IFS= read -r line; do
    case "$line" in
      "global.$1="*) [ -n "$value" ] || value="${line#*=}" ;;
      "install.$1="*) value="${line#*=}" ;;
    esac
  done <<<"$pip_settings"
  value="${value#\'}"
  value="${value%\'}"
  read -r -a words <<<"${value//\\n/ }" || true
  printf '%s' "${words[*]-}"
}

with_uv_settings() (
  if [ -z "${UV_INDEX_URL:-}${UV_DEFAULT_INDEX:-}${PIP_INDEX_URL:-}" ] ||
    [ -z "${UV_EXTRA_INDEX_URL:-}${UV_INDEX:-}${PIP_EXTRA_INDEX_URL:-}" ] ||
    [ -z "${SSL_CERT_FILE:-}${PIP_CERT:-}" ]; then
    read_pip_settings
  fi
  if [ -z "${UV_INDEX_URL:-}${UV_DEFAULT_INDEX:-}" ]; then
    index="${PIP_INDEX_URL:-$(pip_setting index-url)}"
    # UV_DEFAULT_INDEX is the name since uv 0.4.23; older uv reads only UV_INDEX_URL.
    [ -z "$index" ] || export UV_DEFAULT_INDEX="$index" UV_INDEX_URL="$index"
  fi
  if [ -z "${UV_EXTRA_INDEX_URL:-}${UV_INDEX:-}" ]; then
    extra="${PIP_EXTRA_INDEX_URL:-$(pip_setting extra-index-url)}"
    [ -z "$extra" ] || export UV_EXTRA_INDEX_URL="$extra"
  fi
  # The bundle pip would use: its own setting (variable, then pip.conf), then requests' variables.
  ca="${SSL_CERT_FILE:-${PIP_CERT:-$(pip_setting cert)}}"
  ca="${ca:-${REQUESTS_CA_BUNDLE:-${CURL_CA_BUNDLE:-}}}"
  if [ -n "$ca" ]; then
    export SSL_CERT_FILE="$ca"
  elif [ -z "${UV_SYSTEM_CERTS:-}${UV_NATIVE_TLS:-}${SSL_CERT_DIR:-}" ]; then
    # pip (>= 24.2) trusts the system's certificate store, where IT puts a company's root; uv
    # only its bundled roots unless told (UV_NATIVE_TLS; newer uv calls it UV_SYSTEM_CERTS).
    export UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1
  fi
  exec "$@"
)

with_pip_settings() (
  # pip reads REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE; SSL_CERT_FILE (which uv, curl and git
  # read) only in some versions on some systems: a bundle given there reaches pip too.
  # pip.conf's `cert` still wins, as it would anyway.
  if [ -n "${SSL_CERT_FILE:-}" ] && [ -z "${REQUESTS_CA_BUNDLE:-}${CURL_CA_BUNDLE:-}${PIP_CERT:-}" ]; then
    export REQUESTS_CA_BUNDLE="$SSL_CERT_FILE"
  fi
  exec "$@"
)

# --- devkit's own environment -----------------------------------------------------------------
make_venv() {
  env_dir="$data_dir/venv"
  if [ ! -x "$env_dir/bin/python" ] || ! python_ok "$env_dir/bin/python"; then
    rm -rf "$env_dir.new"
    if [ -n "$uv" ]; then
      "$uv" venv --quiet --python "$python" "$env_dir.new"
    else
      "$python" -m venv "$env_dir.new"
    fi
    rm -rf "$env_dir"
    mv "$env_dir.new" "$env_dir"
  fi
}

tmp=""
make_micromamba_env() {
  local mm_dir="$data_dir/bin" mm base expected actual
  mm="$mm_dir/micromamba"
  if [ ! -x "$mm" ]; then
    base="${DEVKIT_MICROMAMBA_URL:-https://github.com/mamba-org/micromamba-releases/releases/latest/download}"
    case "$base" in
      https://* | http://127.* | http://localhost[:/]* | http://localhost) ;;
      *) die "refusing to download over plain http from $base" ;;
    esac
    mkdir -p "$mm_dir"
    # The name devkit's own installer sweeps if a download is ever killed outright.
    tmp="$mm_dir/.micromamba.$$.part"
    trap 'rm -f "$tmp"' EXIT
    say "downloading micromamba-$subdir"
    fetch "$base/micromamba-$subdir.sha256" "$tmp.sha256" || die "cannot download $base/micromamba-$subdir.sha256"
    expected="$(tr -d ' \n\r' <"$tmp.sha256")"
    rm -f "$tmp.sha256"
    fetch "$base/micromamba-$subdir" "$tmp" || die "cannot download $base/micromamba-$subdir"
    actual="$(sha256 "$tmp")"
    [ "$actual" = "$expected" ] || die "checksum mismatch for micromamba-$subdir: nothing installed"
    chmod +x "$tmp"
    mv "$tmp" "$mm"
    trap - EXIT
  fi
  env_dir="$data_dir/env"
  if [ ! -x "$env_dir/bin/python" ]; then
    say "creating a Python for devkit with micromamba"
    "$mm" create -y -q -r "${MAMBA_ROOT_PREFIX:-$HOME/micromamba}" -p "$env_dir" \
      -c conda-forge "python>=3.11" pip >/dev/null || die "micromamba could not create $env_dir"
  fi
}

# --- devkit into it -----------------------------------------------------------------------------
install_devkit() {
  # shellcheck disable=SC2086  # DEVKIT_PIP_ARGS is a list of words on purpose
  case "$installer" in
    uv-tool)
      say "installing devkit with uv tool install"
      # uv keeps the tool's env in its own folder and links `devkit` into UV_TOOL_BIN_DIR.
      UV_TOOL_BIN_DIR="$bin_dir" with_uv_settings "$uv" tool install --quiet --force --upgrade \
        --python "$python" ${DEVKIT_PIP_ARGS:-} "$pip_spec" ||
        die "uv could not install devkit from $pip_spec"
      ;;
    uv)
      say "installing devkit into $env_dir with uv"
      with_uv_settings "$uv" pip install --quiet --upgrade --python "$env_dir/bin/python" \
        ${DEVKIT_PIP_ARGS:-} "$pip_spec" || die "uv could not install devkit from $pip_spec"
      ;;
    pip)
      say "installing devkit into $env_dir with pip"
      # A venv uv made has no pip: the Python it came from brings one.
      "$env_dir/bin/python" -m pip --version >/dev/null 2>&1 ||
        "$env_dir/bin/python" -m ensurepip --upgrade >/dev/null ||
        die "$env_dir has no pip and ensurepip could not add it"
      with_pip_settings "$env_dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        --upgrade ${DEVKIT_PIP_ARGS:-} "$pip_spec" || die "pip could not install devkit from $pip_spec"
      ;;
  esac
}

link_devkit() {
  mkdir -p "$bin_dir"
  [ "$installer" = uv-tool ] || ln -sfn "$env_dir/bin/devkit" "$bin_dir/devkit"
  "$bin_dir/devkit" --version >/dev/null || die "the installed devkit does not run"
  say "installed $("$bin_dir/devkit" --version) at $bin_dir/devkit"
  local rc
  case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *)
      rc="$HOME/.bashrc"
      case "${SHELL:-}" in *zsh) rc="$HOME/.zshrc" ;; *fish) rc="$HOME/.config/fish/config.fish" ;; esac
      say "$bin_dir is not on your PATH; add it with:"
      say "  echo 'export PATH=\"$bin_dir:\$PATH\"' >> $rc   # then open a new terminal"
      ;;
  esac
}

run_devkit_setup() {
  if [ "$run_setup" = 0 ]; then
    say "done; next: devkit setup"
    exit 0
  fi
  # Piped through curl, our stdin is the script itself: talk to the terminal directly if there
  # is one, otherwise accept the defaults.
  if [ -z "${CI:-}" ] && [ -t 2 ] && { : </dev/tty; } 2>/dev/null; then
    exec "$bin_dir/devkit" setup ${setup_args[@]+"${setup_args[@]}"} </dev/tty
  fi
  exec "$bin_dir/devkit" setup --yes ${setup_args[@]+"${setup_args[@]}"} </dev/null
}

main() {
  parse_args "$@"
  detect_platform
  check_prerequisites
  find_python
  find_installer
  find_data_dir
  [ "$check_only" = 0 ] || exit 0
  find_source
  if [ "$installer" != uv-tool ]; then
    mkdir -p "$data_dir"
    if [ -n "$python" ]; then make_venv; else make_micromamba_env; fi
  fi
  install_devkit
  link_devkit
  run_devkit_setup
}

main "$@"
}
