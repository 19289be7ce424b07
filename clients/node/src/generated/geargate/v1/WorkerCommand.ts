// Original file: proto/geargate/v1/geargate.proto

import type { Assignment as _geargate_v1_Assignment, Assignment__Output as _geargate_v1_Assignment__Output } from '../../geargate/v1/Assignment';
import type { Ping as _geargate_v1_Ping, Ping__Output as _geargate_v1_Ping__Output } from '../../geargate/v1/Ping';
import type { CancelJob as _geargate_v1_CancelJob, CancelJob__Output as _geargate_v1_CancelJob__Output } from '../../geargate/v1/CancelJob';
import type { Rejected as _geargate_v1_Rejected, Rejected__Output as _geargate_v1_Rejected__Output } from '../../geargate/v1/Rejected';

export interface WorkerCommand {
  'assign'?: (_geargate_v1_Assignment | null);
  'ping'?: (_geargate_v1_Ping | null);
  'cancel'?: (_geargate_v1_CancelJob | null);
  'rejected'?: (_geargate_v1_Rejected | null);
  'kind'?: "assign"|"ping"|"cancel"|"rejected";
}

export interface WorkerCommand__Output {
  'assign'?: (_geargate_v1_Assignment__Output | null);
  'ping'?: (_geargate_v1_Ping__Output | null);
  'cancel'?: (_geargate_v1_CancelJob__Output | null);
  'rejected'?: (_geargate_v1_Rejected__Output | null);
  'kind'?: "assign"|"ping"|"cancel"|"rejected";
}
