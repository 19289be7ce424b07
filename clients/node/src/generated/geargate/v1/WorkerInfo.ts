// Original file: proto/geargate/v1/geargate.proto


export interface WorkerInfo {
  'worker_id'?: (string);
  'peer'?: (string);
  'transport'?: (string);
  'functions'?: (string)[];
  'running'?: (string)[];
}

export interface WorkerInfo__Output {
  'worker_id': (string);
  'peer': (string);
  'transport': (string);
  'functions': (string)[];
  'running': (string)[];
}
