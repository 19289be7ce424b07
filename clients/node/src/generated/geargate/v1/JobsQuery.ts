// Original file: proto/geargate/v1/geargate.proto


export interface JobsQuery {
  'function'?: (string);
}

export interface JobsQuery__Output {
  'function': (string);
}
