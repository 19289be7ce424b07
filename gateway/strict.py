"""Refusing undecodable requests with INVALID_ARGUMENT instead of grpcio's UNKNOWN."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from google.protobuf.message import DecodeError


class Undecodable:
    """Stands for a request body that is not a valid protobuf message."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def strict_parsing(handler: Any) -> Any:
    """A method handler that answers an undecodable request with INVALID_ARGUMENT.

    grpcio's aio server turns a deserializer's exception into UNKNOWN and logs a traceback
    per request; here the deserializer hands the servicer a marker and the call is refused.
    Streaming requests are checked where the servicers read them.
    """
    if handler is None or handler.request_streaming:
        return handler
    parse = handler.request_deserializer

    def deserialize(raw: bytes) -> object:
        try:
            return parse(raw)
        except DecodeError as error:
            return Undecodable(f"undecodable request: {error}")

    if handler.response_streaming:
        inner_stream = handler.unary_stream

        async def stream(request: object, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            if isinstance(request, Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
            replies = inner_stream(request, context)
            try:
                async for reply in replies:
                    yield reply
            finally:
                await replies.aclose()

        return handler._replace(request_deserializer=deserialize, unary_stream=stream)

    inner = handler.unary_unary

    async def unary(request: object, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, Undecodable):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
        return await inner(request, context)

    return handler._replace(request_deserializer=deserialize, unary_unary=unary)


class _StrictGeneric(grpc.GenericRpcHandler):  # type: ignore[misc]
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def service(self, handler_call_details: Any) -> Any:
        return strict_parsing(self.inner.service(handler_call_details))


class StrictRegistrar:
    """What the generated add_*_to_server functions register through: the real server, with
    every method handler passed through strict_parsing."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[Any]) -> None:
        self.server.add_generic_rpc_handlers(tuple(_StrictGeneric(h) for h in handlers))

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        checked = {name: strict_parsing(handler) for name, handler in handlers.items()}
        self.server.add_registered_method_handlers(service, checked)
