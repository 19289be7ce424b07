// Original file: proto/geargate/v1/geargate.proto


export interface StatusQuery {
}

export interface StatusQuery__Output {
}
