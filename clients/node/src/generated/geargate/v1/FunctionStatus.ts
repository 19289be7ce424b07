// Original file: proto/geargate/v1/geargate.proto


export interface FunctionStatus {
  'function'?: (string);
  'queued_high'?: (number);
  'queued_normal'?: (number);
  'queued_low'?: (number);
  'running'?: (number);
  'workers'?: (number);
  'max_queue_high'?: (number);
  'max_queue_normal'?: (number);
  'max_queue_low'?: (number);
}

export interface FunctionStatus__Output {
  'function': (string);
  'queued_high': (number);
  'queued_normal': (number);
  'queued_low': (number);
  'running': (number);
  'workers': (number);
  'max_queue_high': (number);
  'max_queue_normal': (number);
  'max_queue_low': (number);
}
