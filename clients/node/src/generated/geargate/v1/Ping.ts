// Original file: proto/geargate/v1/geargate.proto

import type { Long } from '@grpc/proto-loader';

export interface Ping {
  'nonce'?: (number | string | Long);
}

export interface Ping__Output {
  'nonce': (string);
}
