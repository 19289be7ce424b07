// Original file: proto/geargate/v1/geargate.proto


export interface StatusRequest {
  'handle'?: (string);
  'unique'?: (string);
  'key'?: "handle"|"unique";
}

export interface StatusRequest__Output {
  'handle'?: (string);
  'unique'?: (string);
  'key'?: "handle"|"unique";
}
