// Original file: proto/geargate/v1/geargate.proto

import type { SubmitRequest as _geargate_v1_SubmitRequest, SubmitRequest__Output as _geargate_v1_SubmitRequest__Output } from '../../geargate/v1/SubmitRequest';

export interface SubmitBatch {
  'requests'?: (_geargate_v1_SubmitRequest)[];
}

export interface SubmitBatch__Output {
  'requests': (_geargate_v1_SubmitRequest__Output)[];
}
