// Original file: proto/geargate/v1/geargate.proto

import type { CanDo as _geargate_v1_CanDo, CanDo__Output as _geargate_v1_CanDo__Output } from '../../geargate/v1/CanDo';

export interface Register {
  'worker_id'?: (string);
  'functions'?: (_geargate_v1_CanDo)[];
  'concurrency'?: (number);
}

export interface Register__Output {
  'worker_id': (string);
  'functions': (_geargate_v1_CanDo__Output)[];
  'concurrency': (number);
}
