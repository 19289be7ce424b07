"""The gRPC gateway: JobService, WorkerService and AdminService over the same engine."""
