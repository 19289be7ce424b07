#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run the whole suite:
# lint, type checks, unit tests, real-client integration tests and differential tests against
# Debian's gearmand. Set GEARGATE_SKIP_INSTALL=1 to only run the checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  gearman-job-server      # the reference gearmand, for differential tests
  gearman-tools           # the gearman CLI and gearadmin
  php-cli php-gearman     # PHP GearmanClient / GearmanWorker
  libgearman-client-perl  # Perl Gearman::Client / Gearman::Worker
  libgearman-dev          # builds bench/gearload
  procps                  # ps, pkill for tests that inspect processes
  redis-server            # the Redis store's tests start their own server
  postgresql              # so do the PostgreSQL store's (as the postgres user)
)

if [ "${GEARGATE_SKIP_INSTALL:-0}" != 1 ]; then
  if command -v apt-get >/dev/null; then
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
      dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      SUDO=""
      [ "$(id -u)" = 0 ] || SUDO="sudo"
      $SUDO apt-get update -qq
      # Package scripts must not start a system gearmand that would hold port 4730.
      DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
  fi
  python3 -m pip install -q --disable-pip-version-check -e '.[test,uvloop]' -e clients/python
fi

# Go is preinstalled on this kind of machine but not always on PATH.
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

echo "== ruff"
python3 -m ruff check .
python3 -m ruff format --check .
echo "== generated gRPC stubs are current"
bash scripts/gen-protos.sh --check
echo "== mypy"
python3 -m mypy
echo "== clients/python: ruff, mypy, pytest"
(cd clients/python && python3 -m ruff check . && python3 -m ruff format --check . && python3 -m mypy)
(cd clients/python && python3 -m pytest -q -p no:cacheprovider)

echo "== clients/go: vet, test, build the matrix program"
(cd clients/go && go vet ./... && go test -count=1 ./... &&
  go build -o bin/geargate-interop ./cmd/geargate-interop &&
  go build -o bin/title-worker ./examples/title-worker &&
  go build -o bin/title-client ./examples/title-client)

echo "== bench/loadgen: vet, test, build (the benchmark's smoke run is a pytest test)"
(cd bench/loadgen && go vet ./... && go test -count=1 ./...) && bench/build

echo "== clients/java: mvn test, then the matrix jar"
(cd clients/java && mvn -B -ntp test && mvn -B -ntp -q package -DskipTests)

echo "== clients/node: npm ci (builds dist/), node --test"
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error && npm test)

echo "== pytest: server, gateway, real clients, differential, mixed-language matrix"
python3 -m pytest -q -p no:cacheprovider "$@"
