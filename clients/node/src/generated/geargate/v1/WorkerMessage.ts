// Original file: proto/geargate/v1/geargate.proto

import type { Register as _geargate_v1_Register, Register__Output as _geargate_v1_Register__Output } from '../../geargate/v1/Register';
import type { CanDo as _geargate_v1_CanDo, CanDo__Output as _geargate_v1_CanDo__Output } from '../../geargate/v1/CanDo';
import type { CantDo as _geargate_v1_CantDo, CantDo__Output as _geargate_v1_CantDo__Output } from '../../geargate/v1/CantDo';
import type { AddCredit as _geargate_v1_AddCredit, AddCredit__Output as _geargate_v1_AddCredit__Output } from '../../geargate/v1/AddCredit';
import type { WorkData as _geargate_v1_WorkData, WorkData__Output as _geargate_v1_WorkData__Output } from '../../geargate/v1/WorkData';
import type { WorkStatus as _geargate_v1_WorkStatus, WorkStatus__Output as _geargate_v1_WorkStatus__Output } from '../../geargate/v1/WorkStatus';
import type { WorkFail as _geargate_v1_WorkFail, WorkFail__Output as _geargate_v1_WorkFail__Output } from '../../geargate/v1/WorkFail';
import type { Pong as _geargate_v1_Pong, Pong__Output as _geargate_v1_Pong__Output } from '../../geargate/v1/Pong';

export interface WorkerMessage {
  'register'?: (_geargate_v1_Register | null);
  'can_do'?: (_geargate_v1_CanDo | null);
  'cant_do'?: (_geargate_v1_CantDo | null);
  'add_credit'?: (_geargate_v1_AddCredit | null);
  'data'?: (_geargate_v1_WorkData | null);
  'warning'?: (_geargate_v1_WorkData | null);
  'status'?: (_geargate_v1_WorkStatus | null);
  'complete'?: (_geargate_v1_WorkData | null);
  'fail'?: (_geargate_v1_WorkFail | null);
  'exception'?: (_geargate_v1_WorkData | null);
  'pong'?: (_geargate_v1_Pong | null);
  'kind'?: "register"|"can_do"|"cant_do"|"add_credit"|"data"|"warning"|"status"|"complete"|"fail"|"exception"|"pong";
}

export interface WorkerMessage__Output {
  'register'?: (_geargate_v1_Register__Output | null);
  'can_do'?: (_geargate_v1_CanDo__Output | null);
  'cant_do'?: (_geargate_v1_CantDo__Output | null);
  'add_credit'?: (_geargate_v1_AddCredit__Output | null);
  'data'?: (_geargate_v1_WorkData__Output | null);
  'warning'?: (_geargate_v1_WorkData__Output | null);
  'status'?: (_geargate_v1_WorkStatus__Output | null);
  'complete'?: (_geargate_v1_WorkData__Output | null);
  'fail'?: (_geargate_v1_WorkFail__Output | null);
  'exception'?: (_geargate_v1_WorkData__Output | null);
  'pong'?: (_geargate_v1_Pong__Output | null);
  'kind'?: "register"|"can_do"|"cant_do"|"add_credit"|"data"|"warning"|"status"|"complete"|"fail"|"exception"|"pong";
}
