// Original file: proto/geargate/v1/geargate.proto


export interface ResultRequest {
  'handle'?: (string);
}

export interface ResultRequest__Output {
  'handle': (string);
}
