// Original file: proto/geargate/v1/geargate.proto


export interface Rejected {
  'handle'?: (string);
  'reason'?: (string);
  'code'?: (string);
}

export interface Rejected__Output {
  'handle': (string);
  'reason': (string);
  'code': (string);
}
