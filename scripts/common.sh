# Shared set-up for scripts/run.sh and scripts/test.sh: locate Odoo, build the Python
# environment, start PostgreSQL. Sourced, never executed. Every step is idempotent.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Conventional locations; each may be overridden from the environment.
ODOO_SRC="${ODOO_SRC:-/opt/odoo}"
STATE_DIR="${WHATSAPP_CRM_STATE:-/var/tmp/whatsapp_crm}"
VENV="${WHATSAPP_CRM_VENV:-$STATE_DIR/venv}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-odoo}" PGPASSWORD="${PGPASSWORD:-odoo}"
PY="$VENV/bin/python"

log() { printf '\033[1m[whatsapp_crm]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[whatsapp_crm] %s\033[0m\n' "$*" >&2; exit 1; }

require_odoo() {
    if [[ ! -f "$ODOO_SRC/odoo/release.py" || ! -f "$ODOO_SRC/odoo-bin" ]]; then
        die "No Odoo 19 source tree at $ODOO_SRC.
Provide one of:
  * the official 19.0 branch:  git clone --depth 1 -b 19.0 https://github.com/odoo/odoo $ODOO_SRC
  * any local Odoo 19 Community tree:  ODOO_SRC=/path/to/odoo make run
  * docker:  docker compose up   (see README.md, 'Deployment')"
    fi
    grep -q "^version_info = (19, 0" "$ODOO_SRC/odoo/release.py" \
        || die "$ODOO_SRC is not Odoo 19 (odoo/release.py says otherwise)."
}

as_root_or_sudo() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_install() {
    command -v apt-get >/dev/null || die "Missing system packages ($*) and no apt-get to install them."
    log "Installing Debian packages: $*"
    as_root_or_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root_or_sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_system_packages() {
    local missing=()
    [[ -n "$(pg_bin initdb)" ]] || missing+=(postgresql)
    [[ -e /usr/include/postgresql/libpq-fe.h || -e /usr/include/libpq-fe.h ]] || missing+=(libpq-dev)
    ldconfig -p | grep -q libmagic.so.1 || missing+=(libmagic1)
    if [[ "${1:-}" == test ]]; then
        command -v chromium >/dev/null || missing+=(chromium)
    fi
    if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

# The venv is rebuilt only when a requirements file changes (stamp = their hash), or when another
# checkout uses it: the sandbox and the harness are installed in editable mode from this checkout.
ensure_venv() {
    local stamp want
    want="$( (echo "$PROJECT_DIR"; cat "$ODOO_SRC/requirements.txt" "$PROJECT_DIR"/requirements*.txt \
        "$PROJECT_DIR/sandbox/pyproject.toml" "$PROJECT_DIR/harness/pyproject.toml") | sha256sum | cut -c1-16)"
    stamp="$VENV/.whatsapp_crm-stamp"
    if [[ -x "$PY" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
    log "Building the Python environment in $VENV (a few minutes the first time)"
    mkdir -p "$STATE_DIR"
    [[ -x "$PY" ]] || python3 -m venv "$VENV"
    local constraints="$STATE_DIR/constraints.txt"
    # cbor2 5.4.2 needs pkg_resources at build time; python-ldap needs system headers we don't use.
    grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" > "$constraints"
    echo 'setuptools<70' > "$STATE_DIR/build-constraints.txt"
    "$PY" -m pip install -q --progress-bar off --upgrade 'pip<25' 'setuptools<70' wheel
    PIP_CONSTRAINT="$STATE_DIR/build-constraints.txt" "$PY" -m pip install -q --progress-bar off -r "$constraints"
    "$PY" -m pip install -q --progress-bar off -c "$constraints" \
        -r "$PROJECT_DIR/requirements.txt" -r "$PROJECT_DIR/requirements-test.txt" \
        -e "$PROJECT_DIR/sandbox" -e "$PROJECT_DIR/harness"
    # OCA addons (queue_job): their wheels require an "odoo" distribution no registry serves, so
    # they go in without dependencies; their real ones (openupgradelib) are in requirements.txt.
    "$PY" -m pip install -q --progress-bar off --no-deps -r "$PROJECT_DIR/requirements-oca.txt"
    # Make the Odoo tree importable (pytest-odoo, odoo shell scripts) the way a pip install would.
    echo "$ODOO_SRC" > "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/odoo-src.pth"
    echo "$want" > "$stamp"
}

# Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.
pg_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$1"; do [[ -x "$candidate" ]] && { echo "$candidate"; return; }; done
    command -v "$1"
}

pg_reachable() { "$PY" - <<'PYEOF' 2>/dev/null
import os, psycopg2
psycopg2.connect(host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER'],
                 password=os.environ['PGPASSWORD'], dbname='postgres', connect_timeout=3).close()
PYEOF
}

# A project-local cluster on 127.0.0.1 when no server with our role answers.
ensure_postgres() {
    pg_reachable && return
    local data="$STATE_DIR/pgdata" runas=()
    [[ $EUID -eq 0 ]] && runas=(runuser -u postgres --)
    if [[ ! -f "$data/PG_VERSION" ]]; then
        log "Creating a PostgreSQL cluster in $data"
        mkdir -p "$data"
        [[ $EUID -eq 0 ]] && chown postgres: "$data" "$STATE_DIR"
        "${runas[@]}" "$(pg_bin initdb)" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $PGPORT"
            echo "unix_socket_directories = '$data'"
            echo "max_connections = 200"
            echo "fsync = on"
        } >> "$data/postgresql.conf"
    fi
    log "Starting PostgreSQL on $PGHOST:$PGPORT"
    "${runas[@]}" "$(pg_bin pg_ctl)" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start; see $data/server.log"
    "${runas[@]}" "$(pg_bin psql)" -h "$data" -p "$PGPORT" -U postgres -qtAc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$PGUSER') THEN
         CREATE ROLE $PGUSER LOGIN CREATEDB PASSWORD '$PGPASSWORD'; END IF; END\$\$;" >/dev/null
    pg_reachable || die "PostgreSQL is running but role $PGUSER cannot connect."
}

ADDONS_PATH="$PROJECT_DIR/addons,$ODOO_SRC/addons,$ODOO_SRC/odoo/addons"

# odoo-bin [subcommand] [options]: only --addons-path may precede the subcommand.
odoo_bin() {
    local command=()
    [[ "${1:-}" != -* && -n "${1:-}" ]] && { command=("$1"); shift; }
    "$PY" "$ODOO_SRC/odoo-bin" --addons-path="$ADDONS_PATH" "${command[@]}" \
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" --db_password="$PGPASSWORD" "$@"
}

# The S3-compatible server the media tests run against (npm s3rver, pinned), installed once into
# $STATE_DIR/node; the tests start it themselves on a free 127.0.0.1 port.
S3RVER_VERSION=3.7.1
S3RVER="$STATE_DIR/node/node_modules/.bin/s3rver"
ensure_s3rver() {
    local stamp="$STATE_DIR/node/.s3rver-version"
    if [[ -x "$S3RVER" && -f "$stamp" && "$(cat "$stamp")" == "$S3RVER_VERSION" ]]; then return; fi
    command -v npm >/dev/null || apt_install npm
    log "Installing s3rver $S3RVER_VERSION in $STATE_DIR/node (the S3 server of the media tests)"
    mkdir -p "$STATE_DIR/node"
    npm install --prefix "$STATE_DIR/node" --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" >/dev/null \
        || die "npm could not install s3rver@$S3RVER_VERSION."
    echo "$S3RVER_VERSION" > "$stamp"
}

prepare() {
    require_odoo
    ensure_system_packages "${1:-run}"
    ensure_venv
    ensure_postgres
}

# An Odoo configuration file for this machine (paths depend on ODOO_SRC and STATE_DIR).
# db_name without dbfilter: a dbfilter makes Odoo list databases on a fresh connection for every
# request without a session, which is every webhook POST (measured: 92 -> 151 acks/s without it).
write_odoo_conf() {  # $1 = file, $2 = database
    mkdir -p "$STATE_DIR/data"
    cat > "$1" <<CONF
[options]
addons_path = $ADDONS_PATH
data_dir = $STATE_DIR/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
db_name = $2
http_interface = 127.0.0.1
list_db = False
without_demo = True
CONF
    # Several checkouts testing at once on one machine each need their own HTTP port.
    if [[ -n "${WHATSAPP_CRM_HTTP_PORT:-}" ]]; then echo "http_port = $WHATSAPP_CRM_HTTP_PORT" >> "$1"; fi
}

# The job engine for a server that runs background work (make run, not the tests, which run jobs
# inside their own transaction): queue_job loaded server-wide starts its job runner, which hands each
# job to this server's HTTP port. Channel capacities: how many jobs of each kind run at once.
QUEUE_JOB_CHANNELS="${QUEUE_JOB_CHANNELS:-root:4,root.whatsapp.inbox:2,root.whatsapp.send:1,root.whatsapp.media:1,root.whatsapp.push:1}"
append_queue_job_conf() {  # $1 = file, $2 = HTTP port the runner sends jobs to
    sed -i -e '/^\[queue_job\]/,$d' -e '/^server_wide_modules/d' "$1"
    sed -i 's/^\(\[options\]\)$/\1\nserver_wide_modules = base,web,queue_job/' "$1"
    printf '[queue_job]\nchannels = %s\nhost = 127.0.0.1\nport = %s\n' "$QUEUE_JOB_CHANNELS" "$2" >> "$1"
}

db_exists() { "$PY" - "$1" <<'PYEOF'
import os, sys, psycopg2
conn = psycopg2.connect(host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER'],
                        password=os.environ['PGPASSWORD'], dbname='postgres')
cur = conn.cursor(); cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[1],))
sys.exit(0 if cur.fetchone() else 1)
PYEOF
}

drop_db() { "$PY" - "$1" <<'PYEOF'
import os, sys, psycopg2
conn = psycopg2.connect(host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER'],
                        password=os.environ['PGPASSWORD'], dbname='postgres')
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[1].replace('"', ''))
PYEOF
rm -rf "$STATE_DIR/data/filestore/$1"
}

ADDONS_TO_INSTALL=whatsapp_crm,whatsapp_crm_lgpd
