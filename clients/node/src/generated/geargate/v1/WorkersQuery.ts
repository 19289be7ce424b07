// Original file: proto/geargate/v1/geargate.proto


export interface WorkersQuery {
}

export interface WorkersQuery__Output {
}
