// Original file: proto/geargate/v1/geargate.proto

import type { Priority as _geargate_v1_Priority, Priority__Output as _geargate_v1_Priority__Output } from '../../geargate/v1/Priority';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface SubmitRequest {
  'function'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'unique'?: (string);
  'priority'?: (_geargate_v1_Priority);
  'run_at'?: (_google_protobuf_Timestamp | null);
  'reducer'?: (string);
  'request_id'?: (number | string | Long);
  'background'?: (boolean);
  'collect_events'?: (boolean);
  'retain_results_seconds'?: (number);
}

export interface SubmitRequest__Output {
  'function': (string);
  'payload': (Buffer);
  'unique': (string);
  'priority': (_geargate_v1_Priority__Output);
  'run_at': (_google_protobuf_Timestamp__Output | null);
  'reducer': (string);
  'request_id': (string);
  'background': (boolean);
  'collect_events': (boolean);
  'retain_results_seconds': (number);
}
