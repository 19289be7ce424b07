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

# ----------------------------------------------------------------- clients/python (geargate_client)
# The Python client package carries its own copy of the stubs (it must install and run without
# the server), under geargate_client/_pb, with the cross-module import made package-relative.
# Same pinned grpcio-tools 1.85.1 as above.
py_dest=clients/python/geargate_client/_pb
py_out=$py_dest
if [ $check = 1 ]; then
  py_out=$(mktemp -d)
  trap 'rm -rf "$out" "$py_out"' EXIT
fi
mkdir -p "$py_out"
python3 -m grpc_tools.protoc -I protos \
  --python_out="$py_out" --pyi_out="$py_out" --grpc_python_out="$py_out" \
  protos/geargate/v1/geargate.proto
sed -i 's/^from geargate\.v1 import geargate_pb2 as/from . import geargate_pb2 as/' \
  "$py_out/geargate/v1/geargate_pb2_grpc.py"
touch "$py_out/__init__.py" "$py_out/geargate/__init__.py" "$py_out/geargate/v1/__init__.py"
if [ $check = 1 ]; then
  if ! diff -r -q -x __pycache__ "$py_out" "$py_dest"; then
    echo "$py_dest is stale: run scripts/gen-protos.sh and commit the result" >&2
    exit 1
  fi
  echo "$py_dest matches protos/"
  rm -rf "$py_out"  # later blocks set their own trap
fi

# ------------------------------------------------------------------------- Go (clients/go)
# protoc-gen-go and protoc-gen-go-grpc at pinned versions from the Go module proxy, installed
# into a throwaway GOBIN; protoc is grpcio-tools' (as above). Output: clients/go/geargatepb,
# which holds generated files only, so a whole-directory diff catches stale or extra files.
GO_PROTOC_GEN_GO_VERSION=v1.36.12     # google.golang.org/protobuf/cmd/protoc-gen-go
GO_PROTOC_GEN_GO_GRPC_VERSION=v1.6.2  # google.golang.org/grpc/cmd/protoc-gen-go-grpc
(
  go_bin=$(mktemp -d)
  go_out=$(mktemp -d)
  trap 'rm -rf "$go_bin" "$go_out"' EXIT
  GOBIN="$go_bin" go install \
    "google.golang.org/protobuf/cmd/protoc-gen-go@$GO_PROTOC_GEN_GO_VERSION"
  GOBIN="$go_bin" go install \
    "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$GO_PROTOC_GEN_GO_GRPC_VERSION"
  go_module=github.com/geargate/geargate/clients/go
  PATH="$go_bin:$PATH" python3 -m grpc_tools.protoc -I protos \
    --go_out="$go_out" --go_opt=module="$go_module" \
    --go-grpc_out="$go_out" --go-grpc_opt=module="$go_module" \
    protos/geargate/v1/geargate.proto
  if [ $check = 1 ]; then
    if ! diff -r -q "$go_out/geargatepb" clients/go/geargatepb; then
      echo "clients/go/geargatepb is stale: run scripts/gen-protos.sh and commit the result" >&2
      exit 1
    fi
    echo "clients/go/geargatepb matches protos/"
  else
    rm -rf clients/go/geargatepb
    cp -r "$go_out/geargatepb" clients/go/geargatepb
  fi
)

# ------------------------------------------------------------------------- Node (clients/node)
# The npm package ships a copy of the .proto (clients/node/proto/, loaded at run time by
# @grpc/proto-loader) and TypeScript types made by proto-loader-gen-types from
# @grpc/proto-loader, whose version is pinned by clients/node/package-lock.json (installed
# with `npm ci` when clients/node/node_modules lacks it). The flags must match LOADER_OPTIONS
# in clients/node/src/proto.ts.
(
  node_dir=clients/node
  gen_types="$PWD/$node_dir/node_modules/.bin/proto-loader-gen-types"
  if [ ! -x "$gen_types" ]; then
    (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
  node_out=$(mktemp -d)
  trap 'rm -rf "$node_out"' EXIT
  mkdir -p "$node_out/proto/geargate/v1"
  cp protos/geargate/v1/geargate.proto "$node_out/proto/geargate/v1/"
  (cd "$node_out" && "$gen_types" --grpcLib=@grpc/grpc-js --longs=String --enums=String \
    --defaults --oneofs --keepCase --outDir=src/generated proto/geargate/v1/geargate.proto)
  if [ $check = 1 ]; then
    if ! diff -r -q "$node_out/proto" "$node_dir/proto" ||
      ! diff -r -q "$node_out/src/generated" "$node_dir/src/generated"; then
      echo "clients/node/proto or src/generated is stale: run scripts/gen-protos.sh" >&2
      exit 1
    fi
    echo "clients/node/src/generated matches protos/"
  else
    rm -rf "$node_dir/proto" "$node_dir/src/generated"
    cp -r "$node_out/proto" "$node_dir/proto"
    cp -r "$node_out/src/generated" "$node_dir/src/generated"
  fi
)
