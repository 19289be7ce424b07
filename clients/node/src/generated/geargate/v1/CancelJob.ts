// Original file: proto/geargate/v1/geargate.proto


export interface CancelJob {
  'handle'?: (string);
  'reason'?: (string);
}

export interface CancelJob__Output {
  'handle': (string);
  'reason': (string);
}
