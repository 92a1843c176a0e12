# Sourced by scripts: starts and stops CNCF distribution (Debian's docker-registry) on loopback.
# Each registry gets its own config (never Debian's /etc one), data folder and log, and is
# stopped by its PID.

# The user of the auth tests, USER:PASSWORD (ociscope-server --basic-auth), and its htpasswd entry
# for distribution (bcrypt, cost 5), as crates/native/tests/common.
SUITE_USER=suite:suite-secret
SUITE_HTPASSWD='suite:$2b$05$abcdefghijklmnopqrstuuvb7CvDodzi00/xYq.1DxPuxWAoDFoFm'

# start_htpasswd_distribution DIR PORT [ORIGIN]: start_distribution behind htpasswd basic auth
# that knows SUITE_USER (the file is DIR/htpasswd).
start_htpasswd_distribution() {
  mkdir -p "$1"
  echo "$SUITE_HTPASSWD" > "$1/htpasswd"
  start_distribution "$1" "$2" "${3:-*}" "$1/htpasswd"
}

# Prints a free TCP port on 127.0.0.1, below the ephemeral range (webdriver.py's free_port says
# why). Each call is its own process, so two calls may (rarely) pick the same port.
_HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
free_port() {
  PYTHONPATH="$_HARNESS_DIR" python3 -c 'from webdriver import free_port; print(free_port())'
}

# start_distribution DIR PORT [ORIGIN [HTPASSWD]]: starts a registry with data under DIR on
# 127.0.0.1:PORT, CORS open to ORIGIN (default '*'), optional htpasswd basic auth. Sets
# DISTRIBUTION_PID and DISTRIBUTION_URL.
start_distribution() {
  local dir=$1 port=$2 origin=${3:-*} htpasswd=${4:-}
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log: {level: warn, accesslog: {disabled: true}}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $dir/data}"
    echo "  delete: {enabled: true}"
    echo "  maintenance: {uploadpurging: {enabled: false}}"
    if [ -n "$htpasswd" ]; then
      echo "auth:"
      echo "  htpasswd: {realm: ociscope-test, path: $htpasswd}"
    fi
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  headers:"
    echo "    Access-Control-Allow-Origin: ['$origin']"
    [ "$origin" = "*" ] || echo "    Access-Control-Allow-Credentials: ['true']"
    echo "    Access-Control-Allow-Methods: ['HEAD', 'GET', 'OPTIONS', 'DELETE', 'POST', 'PUT', 'PATCH']"
    echo "    Access-Control-Allow-Headers: ['Authorization', 'Accept', 'Content-Type', 'Content-Length', 'Content-Range', 'Range', 'Cache-Control', 'Docker-Content-Digest']"
    echo "    Access-Control-Expose-Headers: ['Docker-Content-Digest', 'Docker-Upload-UUID', 'Docker-Distribution-Api-Version', 'Location', 'Link', 'Range', 'Content-Range', 'Content-Length', 'Content-Type', 'OCI-Chunk-Min-Length', 'OCI-Subject', 'WWW-Authenticate']"
    echo "    Access-Control-Max-Age: ['600']"
  } > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  DISTRIBUTION_PID=$!
  DISTRIBUTION_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    # 200 anonymous, 401 with htpasswd: either way it is serving.
    case "$(curl -s -o /dev/null -w '%{http_code}' "$DISTRIBUTION_URL/v2/")" in
      200|401) return 0 ;;
    esac
    if ! kill -0 "$DISTRIBUTION_PID" 2>/dev/null; then
      echo "docker-registry exited; its log:" >&2; cat "$dir/registry.log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "docker-registry did not answer on $DISTRIBUTION_URL" >&2
  return 1
}

# stop_pid PID: stops a process started by a script, waiting for it to exit.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  local i
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
