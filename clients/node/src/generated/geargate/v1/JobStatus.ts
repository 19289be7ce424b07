// Original file: proto/geargate/v1/geargate.proto


export interface JobStatus {
  'known'?: (boolean);
  'running'?: (boolean);
  'numerator'?: (number);
  'denominator'?: (number);
  'waiting_clients'?: (number);
  'handle'?: (string);
}

export interface JobStatus__Output {
  'known': (boolean);
  'running': (boolean);
  'numerator': (number);
  'denominator': (number);
  'waiting_clients': (number);
  'handle': (string);
}
