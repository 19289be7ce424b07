// Original file: proto/geargate/v1/geargate.proto


export interface CanDo {
  'function'?: (string);
  'timeout_ms'?: (number);
}

export interface CanDo__Output {
  'function': (string);
  'timeout_ms': (number);
}
