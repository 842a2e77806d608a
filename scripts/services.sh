# Sourced by test.sh: make sure PostgreSQL and Redis answer on 127.0.0.1,
# starting (and, as root with apt-get, installing) them when they do not,
# and install the Debian packages the browser and PDF tests need. Sourced by
# run.sh for the CJK font the PDFs need (ensure_cjk_font).
set -euo pipefail

port_open() {  # host port
  "$VENV/bin/python" - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

wait_port() {  # host port name
  for _ in $(seq 1 30); do
    port_open "$1" "$2" && return 0
    sleep 1
  done
  echo "$3 did not come up on $1:$2" >&2
  return 1
}

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "Cannot install $* (needs root and apt-get); install them by hand." >&2
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  port_open 127.0.0.1 5432 && return 0
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it"
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql postgresql-contrib
  fi
  local version
  version=$(ls /etc/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >/dev/null
  fi
  # Tests connect as postgres over TCP without a password, as on the CI machines.
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "aikb-test-trust" "$hba"; then
    printf '# aikb-test-trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | cat - "$hba" > "$hba.new"
    mv "$hba.new" "$hba"
    chown postgres:postgres "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 127.0.0.1 5432 PostgreSQL
}

ensure_redis() {
  port_open 127.0.0.1 6379 && return 0
  echo "Redis is not answering on 127.0.0.1:6379; starting it"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 127.0.0.1 6379 Redis
}

# A font that covers Chinese (Noto Sans CJK covers Japanese and Korean too):
# without one WeasyPrint prints such text, e.g. a source titled 中文网, as
# empty boxes. fc-list asks fontconfig, which WeasyPrint uses; without
# fc-list, ask dpkg for the package.
has_cjk_font() {
  if command -v fc-list >/dev/null; then
    [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
  else
    dpkg -s fonts-noto-cjk >/dev/null 2>&1
  fi
}

# For run.sh: install the CJK font when we can, else say how; never stops the start.
ensure_cjk_font() {
  has_cjk_font && return 0
  echo "No font covering Chinese, Japanese or Korean is installed: PDFs would print such text as empty boxes."
  apt_install fonts-noto-cjk ||
    echo "Install one by hand (Debian or Ubuntu: apt-get install fonts-noto-cjk) and restart." >&2
}

ensure_debian_tools() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  has_cjk_font || missing+=(fonts-noto-cjk)
  command -v npm >/dev/null || missing+=(npm)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  ldconfig -p | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt_install "${missing[@]}" || echo "Browser or PDF-image tests will be skipped." >&2
  fi
}
