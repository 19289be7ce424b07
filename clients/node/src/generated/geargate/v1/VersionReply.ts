// Original file: proto/geargate/v1/geargate.proto


export interface VersionReply {
  'version'?: (string);
}

export interface VersionReply__Output {
  'version': (string);
}
