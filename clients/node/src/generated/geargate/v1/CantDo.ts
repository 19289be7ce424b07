// Original file: proto/geargate/v1/geargate.proto


export interface CantDo {
  'function'?: (string);
}

export interface CantDo__Output {
  'function': (string);
}
