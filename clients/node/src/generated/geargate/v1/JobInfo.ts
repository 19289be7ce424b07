// Original file: proto/geargate/v1/geargate.proto

import type { Priority as _geargate_v1_Priority, Priority__Output as _geargate_v1_Priority__Output } from '../../geargate/v1/Priority';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface JobInfo {
  'handle'?: (string);
  'function'?: (string);
  'unique'?: (string);
  'priority'?: (_geargate_v1_Priority);
  'state'?: (string);
  'retries'?: (number);
  'background'?: (boolean);
  'waiting_clients'?: (number);
  'run_at'?: (_google_protobuf_Timestamp | null);
}

export interface JobInfo__Output {
  'handle': (string);
  'function': (string);
  'unique': (string);
  'priority': (_geargate_v1_Priority__Output);
  'state': (string);
  'retries': (number);
  'background': (boolean);
  'waiting_clients': (number);
  'run_at': (_google_protobuf_Timestamp__Output | null);
}
