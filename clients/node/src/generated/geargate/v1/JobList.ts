// Original file: proto/geargate/v1/geargate.proto

import type { JobInfo as _geargate_v1_JobInfo, JobInfo__Output as _geargate_v1_JobInfo__Output } from '../../geargate/v1/JobInfo';

export interface JobList {
  'jobs'?: (_geargate_v1_JobInfo)[];
}

export interface JobList__Output {
  'jobs': (_geargate_v1_JobInfo__Output)[];
}
