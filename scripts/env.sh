# Sourced by the project's scripts: puts the tools scripts/setup installed on PATH and sets
# the variables the wasm test runner and Trunk need. Never downloads anything.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}
export TRUNK_OFFLINE=true TRUNK_SKIP_VERSION_CHECK=true
# Two cores: keep parallel rustc jobs at the core count.
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-$(nproc)}

# Prints a step heading and runs it, timing it.
step() {
  local name=$1; shift
  printf '\n\033[1m==> %s\033[0m\n' "$name" >&2
  local start=$SECONDS
  "$@"
  printf '\033[1m<== %s: ok (%ss)\033[0m\n' "$name" "$((SECONDS - start))" >&2
}
