// Original file: proto/geargate/v1/geargate.proto

export const Outcome = {
  OUTCOME_UNSPECIFIED: 'OUTCOME_UNSPECIFIED',
  COMPLETE: 'COMPLETE',
  FAIL: 'FAIL',
  EXCEPTION: 'EXCEPTION',
} as const;

export type Outcome =
  | 'OUTCOME_UNSPECIFIED'
  | 0
  | 'COMPLETE'
  | 1
  | 'FAIL'
  | 2
  | 'EXCEPTION'
  | 3

export type Outcome__Output = typeof Outcome[keyof typeof Outcome]
