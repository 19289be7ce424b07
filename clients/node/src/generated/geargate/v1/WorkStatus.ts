// Original file: proto/geargate/v1/geargate.proto


export interface WorkStatus {
  'handle'?: (string);
  'numerator'?: (number);
  'denominator'?: (number);
}

export interface WorkStatus__Output {
  'handle': (string);
  'numerator': (number);
  'denominator': (number);
}
