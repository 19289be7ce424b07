// Original file: proto/geargate/v1/geargate.proto


export interface WorkFail {
  'handle'?: (string);
}

export interface WorkFail__Output {
  'handle': (string);
}
