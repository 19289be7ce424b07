// Original file: proto/geargate/v1/geargate.proto


export interface Progress {
  'numerator'?: (number);
  'denominator'?: (number);
}

export interface Progress__Output {
  'numerator': (number);
  'denominator': (number);
}
