#!/usr/bin/env bash
# Regenerate the Python gRPC stubs from protos/ (the one source of the contract).
# Reproducible: pinned grpcio-tools (see pyproject's `grpc` extra), fixed paths, and the
# import line rewritten so the stubs live inside the gateway package.
# `scripts/gen-protos.sh --check` fails when the checked-in stubs are not what this produces.
set -euo pipefail
cd "$(dirname "$0")/.."

out=gateway/generated
check=0
[ "${1:-}" = "--check" ] && check=1
if [ $check = 1 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

mkdir -p "$out"
python3 -m grpc_tools.protoc -I protos \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  protos/geargate/v1/geargate.proto
sed -i 's/^from geargate\.v1 import/from gateway.generated.geargate.v1 import/' \
  "$out/geargate/v1/geargate_pb2_grpc.py"
touch "$out/__init__.py" "$out/geargate/__init__.py" "$out/geargate/v1/__init__.py"

if [ $check = 1 ]; then
  if ! diff -r -q -x __pycache__ "$out" gateway/generated; then
    echo "gateway/generated is stale: run scripts/gen-protos.sh and commit the result" >&2
    exit 1
  fi
  echo "gateway/generated matches protos/"
fi
