// Loads geargate.proto at run time with @grpc/proto-loader. The .proto file ships inside the
// package (proto/, a copy of protos/geargate/v1/geargate.proto kept in step by
// scripts/gen-protos.sh), and the TypeScript types in src/generated/ come from the same file.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/geargate';

/** Loader options; they must match the flags given to proto-loader-gen-types. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const PROTO_FILE = path.join(__dirname, '..', 'proto', 'geargate', 'v1', 'geargate.proto');

let cached: ProtoGrpcType | undefined;

/** The geargate.v1 package: service client constructors and message definitions. */
export function loadProto(): ProtoGrpcType {
  if (cached === undefined) {
    const definition = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
