// Original file: proto/geargate/v1/geargate.proto

import type { Outcome as _geargate_v1_Outcome, Outcome__Output as _geargate_v1_Outcome__Output } from '../../geargate/v1/Outcome';

export interface JobResult {
  'handle'?: (string);
  'outcome'?: (_geargate_v1_Outcome);
  'data'?: (Buffer | Uint8Array | string);
  'data_events'?: (Buffer | Uint8Array | string)[];
  'warnings'?: (Buffer | Uint8Array | string)[];
}

export interface JobResult__Output {
  'handle': (string);
  'outcome': (_geargate_v1_Outcome__Output);
  'data': (Buffer);
  'data_events': (Buffer)[];
  'warnings': (Buffer)[];
}
