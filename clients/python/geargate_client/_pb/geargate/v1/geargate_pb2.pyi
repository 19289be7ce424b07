import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NORMAL: _ClassVar[Priority]
    LOW: _ClassVar[Priority]
    HIGH: _ClassVar[Priority]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    COMPLETE: _ClassVar[Outcome]
    FAIL: _ClassVar[Outcome]
    EXCEPTION: _ClassVar[Outcome]
NORMAL: Priority
LOW: Priority
HIGH: Priority
OUTCOME_UNSPECIFIED: Outcome
COMPLETE: Outcome
FAIL: Outcome
EXCEPTION: Outcome

class SubmitRequest(_message.Message):
    __slots__ = ("function", "payload", "unique", "priority", "run_at", "reducer", "request_id", "background", "collect_events", "retain_results_seconds")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RUN_AT_FIELD_NUMBER: _ClassVar[int]
    REDUCER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_FIELD_NUMBER: _ClassVar[int]
    COLLECT_EVENTS_FIELD_NUMBER: _ClassVar[int]
    RETAIN_RESULTS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    function: str
    payload: bytes
    unique: str
    priority: Priority
    run_at: _timestamp_pb2.Timestamp
    reducer: str
    request_id: int
    background: bool
    collect_events: bool
    retain_results_seconds: int
    def __init__(self, function: _Optional[str] = ..., payload: _Optional[bytes] = ..., unique: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reducer: _Optional[str] = ..., request_id: _Optional[int] = ..., background: _Optional[bool] = ..., collect_events: _Optional[bool] = ..., retain_results_seconds: _Optional[int] = ...) -> None: ...

class SubmitBatch(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[SubmitRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[SubmitRequest, _Mapping]]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[JobEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[JobEvent, _Mapping]]] = ...) -> None: ...

class ResultRequest(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: str
    def __init__(self, handle: _Optional[str] = ...) -> None: ...

class StoredResult(_message.Message):
    __slots__ = ("found", "outcome", "data", "expires_at")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    found: bool
    outcome: Outcome
    data: bytes
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, found: _Optional[bool] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., data: _Optional[bytes] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitReply(_message.Message):
    __slots__ = ("handle", "request_id")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    handle: str
    request_id: int
    def __init__(self, handle: _Optional[str] = ..., request_id: _Optional[int] = ...) -> None: ...

class JobResult(_message.Message):
    __slots__ = ("handle", "outcome", "data", "data_events", "warnings")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DATA_EVENTS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    handle: str
    outcome: Outcome
    data: bytes
    data_events: _containers.RepeatedScalarFieldContainer[bytes]
    warnings: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, handle: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., data: _Optional[bytes] = ..., data_events: _Optional[_Iterable[bytes]] = ..., warnings: _Optional[_Iterable[bytes]] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("request_id", "handle", "created", "data", "warning", "status", "complete", "fail", "exception", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    handle: str
    created: Created
    data: bytes
    warning: bytes
    status: Progress
    complete: bytes
    fail: Failed
    exception: bytes
    error: SubmitError
    def __init__(self, request_id: _Optional[int] = ..., handle: _Optional[str] = ..., created: _Optional[_Union[Created, _Mapping]] = ..., data: _Optional[bytes] = ..., warning: _Optional[bytes] = ..., status: _Optional[_Union[Progress, _Mapping]] = ..., complete: _Optional[bytes] = ..., fail: _Optional[_Union[Failed, _Mapping]] = ..., exception: _Optional[bytes] = ..., error: _Optional[_Union[SubmitError, _Mapping]] = ...) -> None: ...

class Created(_message.Message):
    __slots__ = ("coalesced",)
    COALESCED_FIELD_NUMBER: _ClassVar[int]
    coalesced: bool
    def __init__(self, coalesced: _Optional[bool] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("numerator", "denominator")
    NUMERATOR_FIELD_NUMBER: _ClassVar[int]
    DENOMINATOR_FIELD_NUMBER: _ClassVar[int]
    numerator: int
    denominator: int
    def __init__(self, numerator: _Optional[int] = ..., denominator: _Optional[int] = ...) -> None: ...

class Failed(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SubmitError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ("handle", "unique")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    handle: str
    unique: str
    def __init__(self, handle: _Optional[str] = ..., unique: _Optional[str] = ...) -> None: ...

class JobStatus(_message.Message):
    __slots__ = ("known", "running", "numerator", "denominator", "waiting_clients", "handle")
    KNOWN_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    NUMERATOR_FIELD_NUMBER: _ClassVar[int]
    DENOMINATOR_FIELD_NUMBER: _ClassVar[int]
    WAITING_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    known: bool
    running: bool
    numerator: int
    denominator: int
    waiting_clients: int
    handle: str
    def __init__(self, known: _Optional[bool] = ..., running: _Optional[bool] = ..., numerator: _Optional[int] = ..., denominator: _Optional[int] = ..., waiting_clients: _Optional[int] = ..., handle: _Optional[str] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: str
    def __init__(self, handle: _Optional[str] = ...) -> None: ...

class CancelReply(_message.Message):
    __slots__ = ("cancelled",)
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    cancelled: bool
    def __init__(self, cancelled: _Optional[bool] = ...) -> None: ...

class WorkerMessage(_message.Message):
    __slots__ = ("register", "can_do", "cant_do", "add_credit", "data", "warning", "status", "complete", "fail", "exception", "pong")
    REGISTER_FIELD_NUMBER: _ClassVar[int]
    CAN_DO_FIELD_NUMBER: _ClassVar[int]
    CANT_DO_FIELD_NUMBER: _ClassVar[int]
    ADD_CREDIT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    PONG_FIELD_NUMBER: _ClassVar[int]
    register: Register
    can_do: CanDo
    cant_do: CantDo
    add_credit: AddCredit
    data: WorkData
    warning: WorkData
    status: WorkStatus
    complete: WorkData
    fail: WorkFail
    exception: WorkData
    pong: Pong
    def __init__(self, register: _Optional[_Union[Register, _Mapping]] = ..., can_do: _Optional[_Union[CanDo, _Mapping]] = ..., cant_do: _Optional[_Union[CantDo, _Mapping]] = ..., add_credit: _Optional[_Union[AddCredit, _Mapping]] = ..., data: _Optional[_Union[WorkData, _Mapping]] = ..., warning: _Optional[_Union[WorkData, _Mapping]] = ..., status: _Optional[_Union[WorkStatus, _Mapping]] = ..., complete: _Optional[_Union[WorkData, _Mapping]] = ..., fail: _Optional[_Union[WorkFail, _Mapping]] = ..., exception: _Optional[_Union[WorkData, _Mapping]] = ..., pong: _Optional[_Union[Pong, _Mapping]] = ...) -> None: ...

class Register(_message.Message):
    __slots__ = ("worker_id", "functions", "concurrency")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    functions: _containers.RepeatedCompositeFieldContainer[CanDo]
    concurrency: int
    def __init__(self, worker_id: _Optional[str] = ..., functions: _Optional[_Iterable[_Union[CanDo, _Mapping]]] = ..., concurrency: _Optional[int] = ...) -> None: ...

class CanDo(_message.Message):
    __slots__ = ("function", "timeout_ms")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    function: str
    timeout_ms: int
    def __init__(self, function: _Optional[str] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class CantDo(_message.Message):
    __slots__ = ("function",)
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    function: str
    def __init__(self, function: _Optional[str] = ...) -> None: ...

class AddCredit(_message.Message):
    __slots__ = ("delta",)
    DELTA_FIELD_NUMBER: _ClassVar[int]
    delta: int
    def __init__(self, delta: _Optional[int] = ...) -> None: ...

class WorkData(_message.Message):
    __slots__ = ("handle", "data")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    handle: str
    data: bytes
    def __init__(self, handle: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class WorkStatus(_message.Message):
    __slots__ = ("handle", "numerator", "denominator")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    NUMERATOR_FIELD_NUMBER: _ClassVar[int]
    DENOMINATOR_FIELD_NUMBER: _ClassVar[int]
    handle: str
    numerator: int
    denominator: int
    def __init__(self, handle: _Optional[str] = ..., numerator: _Optional[int] = ..., denominator: _Optional[int] = ...) -> None: ...

class WorkFail(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: str
    def __init__(self, handle: _Optional[str] = ...) -> None: ...

class Pong(_message.Message):
    __slots__ = ("nonce",)
    NONCE_FIELD_NUMBER: _ClassVar[int]
    nonce: int
    def __init__(self, nonce: _Optional[int] = ...) -> None: ...

class WorkerCommand(_message.Message):
    __slots__ = ("assign", "ping", "cancel", "rejected")
    ASSIGN_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    assign: Assignment
    ping: Ping
    cancel: CancelJob
    rejected: Rejected
    def __init__(self, assign: _Optional[_Union[Assignment, _Mapping]] = ..., ping: _Optional[_Union[Ping, _Mapping]] = ..., cancel: _Optional[_Union[CancelJob, _Mapping]] = ..., rejected: _Optional[_Union[Rejected, _Mapping]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("handle", "function", "unique", "payload", "reducer", "attempt")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REDUCER_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    handle: str
    function: str
    unique: str
    payload: bytes
    reducer: str
    attempt: int
    def __init__(self, handle: _Optional[str] = ..., function: _Optional[str] = ..., unique: _Optional[str] = ..., payload: _Optional[bytes] = ..., reducer: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class Ping(_message.Message):
    __slots__ = ("nonce",)
    NONCE_FIELD_NUMBER: _ClassVar[int]
    nonce: int
    def __init__(self, nonce: _Optional[int] = ...) -> None: ...

class CancelJob(_message.Message):
    __slots__ = ("handle", "reason")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    handle: str
    reason: str
    def __init__(self, handle: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Rejected(_message.Message):
    __slots__ = ("handle", "reason", "code")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    handle: str
    reason: str
    code: str
    def __init__(self, handle: _Optional[str] = ..., reason: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class StatusQuery(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FunctionStatus(_message.Message):
    __slots__ = ("function", "queued_high", "queued_normal", "queued_low", "running", "workers", "max_queue_high", "max_queue_normal", "max_queue_low")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    QUEUED_HIGH_FIELD_NUMBER: _ClassVar[int]
    QUEUED_NORMAL_FIELD_NUMBER: _ClassVar[int]
    QUEUED_LOW_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUE_HIGH_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUE_NORMAL_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUE_LOW_FIELD_NUMBER: _ClassVar[int]
    function: str
    queued_high: int
    queued_normal: int
    queued_low: int
    running: int
    workers: int
    max_queue_high: int
    max_queue_normal: int
    max_queue_low: int
    def __init__(self, function: _Optional[str] = ..., queued_high: _Optional[int] = ..., queued_normal: _Optional[int] = ..., queued_low: _Optional[int] = ..., running: _Optional[int] = ..., workers: _Optional[int] = ..., max_queue_high: _Optional[int] = ..., max_queue_normal: _Optional[int] = ..., max_queue_low: _Optional[int] = ...) -> None: ...

class ServerStatus(_message.Message):
    __slots__ = ("functions",)
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    functions: _containers.RepeatedCompositeFieldContainer[FunctionStatus]
    def __init__(self, functions: _Optional[_Iterable[_Union[FunctionStatus, _Mapping]]] = ...) -> None: ...

class WorkersQuery(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WorkerInfo(_message.Message):
    __slots__ = ("worker_id", "peer", "transport", "functions", "running")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    peer: str
    transport: str
    functions: _containers.RepeatedScalarFieldContainer[str]
    running: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, worker_id: _Optional[str] = ..., peer: _Optional[str] = ..., transport: _Optional[str] = ..., functions: _Optional[_Iterable[str]] = ..., running: _Optional[_Iterable[str]] = ...) -> None: ...

class WorkerList(_message.Message):
    __slots__ = ("workers",)
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    workers: _containers.RepeatedCompositeFieldContainer[WorkerInfo]
    def __init__(self, workers: _Optional[_Iterable[_Union[WorkerInfo, _Mapping]]] = ...) -> None: ...

class JobsQuery(_message.Message):
    __slots__ = ("function",)
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    function: str
    def __init__(self, function: _Optional[str] = ...) -> None: ...

class JobInfo(_message.Message):
    __slots__ = ("handle", "function", "unique", "priority", "state", "retries", "background", "waiting_clients", "run_at")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_FIELD_NUMBER: _ClassVar[int]
    WAITING_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    RUN_AT_FIELD_NUMBER: _ClassVar[int]
    handle: str
    function: str
    unique: str
    priority: Priority
    state: str
    retries: int
    background: bool
    waiting_clients: int
    run_at: _timestamp_pb2.Timestamp
    def __init__(self, handle: _Optional[str] = ..., function: _Optional[str] = ..., unique: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., state: _Optional[str] = ..., retries: _Optional[int] = ..., background: _Optional[bool] = ..., waiting_clients: _Optional[int] = ..., run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JobList(_message.Message):
    __slots__ = ("jobs",)
    JOBS_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[JobInfo]
    def __init__(self, jobs: _Optional[_Iterable[_Union[JobInfo, _Mapping]]] = ...) -> None: ...

class MaxQueueRequest(_message.Message):
    __slots__ = ("function", "high", "normal", "low")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    NORMAL_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    function: str
    high: int
    normal: int
    low: int
    def __init__(self, function: _Optional[str] = ..., high: _Optional[int] = ..., normal: _Optional[int] = ..., low: _Optional[int] = ...) -> None: ...

class MaxQueueReply(_message.Message):
    __slots__ = ("applied",)
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    def __init__(self, applied: _Optional[bool] = ...) -> None: ...

class VersionQuery(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VersionReply(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...
