// Original file: proto/geargate/v1/geargate.proto


export interface Failed {
}

export interface Failed__Output {
}
