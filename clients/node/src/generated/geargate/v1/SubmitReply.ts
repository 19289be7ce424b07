// Original file: proto/geargate/v1/geargate.proto

import type { Long } from '@grpc/proto-loader';

export interface SubmitReply {
  'handle'?: (string);
  'request_id'?: (number | string | Long);
}

export interface SubmitReply__Output {
  'handle': (string);
  'request_id': (string);
}
