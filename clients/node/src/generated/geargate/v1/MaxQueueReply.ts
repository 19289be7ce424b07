// Original file: proto/geargate/v1/geargate.proto


export interface MaxQueueReply {
  'applied'?: (boolean);
}

export interface MaxQueueReply__Output {
  'applied': (boolean);
}
