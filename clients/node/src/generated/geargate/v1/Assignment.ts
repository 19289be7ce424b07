// Original file: proto/geargate/v1/geargate.proto


export interface Assignment {
  'handle'?: (string);
  'function'?: (string);
  'unique'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'reducer'?: (string);
  'attempt'?: (number);
}

export interface Assignment__Output {
  'handle': (string);
  'function': (string);
  'unique': (string);
  'payload': (Buffer);
  'reducer': (string);
  'attempt': (number);
}
