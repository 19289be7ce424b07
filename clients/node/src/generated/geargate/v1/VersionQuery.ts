// Original file: proto/geargate/v1/geargate.proto


export interface VersionQuery {
}

export interface VersionQuery__Output {
}
