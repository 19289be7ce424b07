// Original file: proto/geargate/v1/geargate.proto


export interface Created {
  'coalesced'?: (boolean);
}

export interface Created__Output {
  'coalesced': (boolean);
}
