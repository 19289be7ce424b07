// Original file: proto/geargate/v1/geargate.proto


export interface SubmitError {
  'code'?: (string);
  'message'?: (string);
}

export interface SubmitError__Output {
  'code': (string);
  'message': (string);
}
