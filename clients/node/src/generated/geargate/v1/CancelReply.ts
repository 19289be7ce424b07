// Original file: proto/geargate/v1/geargate.proto


export interface CancelReply {
  'cancelled'?: (boolean);
}

export interface CancelReply__Output {
  'cancelled': (boolean);
}
