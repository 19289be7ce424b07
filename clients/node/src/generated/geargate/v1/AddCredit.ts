// Original file: proto/geargate/v1/geargate.proto


export interface AddCredit {
  'delta'?: (number);
}

export interface AddCredit__Output {
  'delta': (number);
}
