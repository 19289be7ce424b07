// Original file: proto/geargate/v1/geargate.proto


export interface MaxQueueRequest {
  'function'?: (string);
  'high'?: (number);
  'normal'?: (number);
  'low'?: (number);
}

export interface MaxQueueRequest__Output {
  'function': (string);
  'high': (number);
  'normal': (number);
  'low': (number);
}
