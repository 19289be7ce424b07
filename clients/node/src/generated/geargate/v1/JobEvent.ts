// Original file: proto/geargate/v1/geargate.proto

import type { Created as _geargate_v1_Created, Created__Output as _geargate_v1_Created__Output } from '../../geargate/v1/Created';
import type { Progress as _geargate_v1_Progress, Progress__Output as _geargate_v1_Progress__Output } from '../../geargate/v1/Progress';
import type { Failed as _geargate_v1_Failed, Failed__Output as _geargate_v1_Failed__Output } from '../../geargate/v1/Failed';
import type { SubmitError as _geargate_v1_SubmitError, SubmitError__Output as _geargate_v1_SubmitError__Output } from '../../geargate/v1/SubmitError';
import type { Long } from '@grpc/proto-loader';

export interface JobEvent {
  'request_id'?: (number | string | Long);
  'handle'?: (string);
  'created'?: (_geargate_v1_Created | null);
  'data'?: (Buffer | Uint8Array | string);
  'warning'?: (Buffer | Uint8Array | string);
  'status'?: (_geargate_v1_Progress | null);
  'complete'?: (Buffer | Uint8Array | string);
  'fail'?: (_geargate_v1_Failed | null);
  'exception'?: (Buffer | Uint8Array | string);
  'error'?: (_geargate_v1_SubmitError | null);
  'event'?: "created"|"data"|"warning"|"status"|"complete"|"fail"|"exception"|"error";
}

export interface JobEvent__Output {
  'request_id': (string);
  'handle': (string);
  'created'?: (_geargate_v1_Created__Output | null);
  'data'?: (Buffer);
  'warning'?: (Buffer);
  'status'?: (_geargate_v1_Progress__Output | null);
  'complete'?: (Buffer);
  'fail'?: (_geargate_v1_Failed__Output | null);
  'exception'?: (Buffer);
  'error'?: (_geargate_v1_SubmitError__Output | null);
  'event'?: "created"|"data"|"warning"|"status"|"complete"|"fail"|"exception"|"error";
}
