// Original file: proto/geargate/v1/geargate.proto

import type { Outcome as _geargate_v1_Outcome, Outcome__Output as _geargate_v1_Outcome__Output } from '../../geargate/v1/Outcome';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface StoredResult {
  'found'?: (boolean);
  'outcome'?: (_geargate_v1_Outcome);
  'data'?: (Buffer | Uint8Array | string);
  'expires_at'?: (_google_protobuf_Timestamp | null);
}

export interface StoredResult__Output {
  'found': (boolean);
  'outcome': (_geargate_v1_Outcome__Output);
  'data': (Buffer);
  'expires_at': (_google_protobuf_Timestamp__Output | null);
}
