// Original file: proto/geargate/v1/geargate.proto

import type { WorkerInfo as _geargate_v1_WorkerInfo, WorkerInfo__Output as _geargate_v1_WorkerInfo__Output } from '../../geargate/v1/WorkerInfo';

export interface WorkerList {
  'workers'?: (_geargate_v1_WorkerInfo)[];
}

export interface WorkerList__Output {
  'workers': (_geargate_v1_WorkerInfo__Output)[];
}
