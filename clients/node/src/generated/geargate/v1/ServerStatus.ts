// Original file: proto/geargate/v1/geargate.proto

import type { FunctionStatus as _geargate_v1_FunctionStatus, FunctionStatus__Output as _geargate_v1_FunctionStatus__Output } from '../../geargate/v1/FunctionStatus';

export interface ServerStatus {
  'functions'?: (_geargate_v1_FunctionStatus)[];
}

export interface ServerStatus__Output {
  'functions': (_geargate_v1_FunctionStatus__Output)[];
}
