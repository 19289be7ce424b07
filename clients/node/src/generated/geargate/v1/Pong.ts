// Original file: proto/geargate/v1/geargate.proto

import type { Long } from '@grpc/proto-loader';

export interface Pong {
  'nonce'?: (number | string | Long);
}

export interface Pong__Output {
  'nonce': (string);
}
