// Original file: proto/geargate/v1/geargate.proto

export const Priority = {
  NORMAL: 'NORMAL',
  LOW: 'LOW',
  HIGH: 'HIGH',
} as const;

export type Priority =
  | 'NORMAL'
  | 0
  | 'LOW'
  | 1
  | 'HIGH'
  | 2

export type Priority__Output = typeof Priority[keyof typeof Priority]
