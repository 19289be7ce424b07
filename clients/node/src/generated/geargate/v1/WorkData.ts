// Original file: proto/geargate/v1/geargate.proto


export interface WorkData {
  'handle'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface WorkData__Output {
  'handle': (string);
  'data': (Buffer);
}
