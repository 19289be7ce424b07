// Original file: proto/geargate/v1/geargate.proto


export interface CancelRequest {
  'handle'?: (string);
}

export interface CancelRequest__Output {
  'handle': (string);
}
