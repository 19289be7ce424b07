// Original file: proto/geargate/v1/geargate.proto

import type { JobEvent as _geargate_v1_JobEvent, JobEvent__Output as _geargate_v1_JobEvent__Output } from '../../geargate/v1/JobEvent';

export interface EventBatch {
  'events'?: (_geargate_v1_JobEvent)[];
}

export interface EventBatch__Output {
  'events': (_geargate_v1_JobEvent__Output)[];
}
