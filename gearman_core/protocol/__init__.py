"""The Gearman wire format, free of I/O."""

from .codec import (
    AdminLine,
    BadMagic,
    Decoder,
    Event,
    LineTooLong,
    PacketTooLarge,
    ProtocolError,
)
from .packets import (
    FIELD_COUNT,
    MAX_TYPE,
    REQ_MAGIC,
    RES_MAGIC,
    Packet,
    PacketType,
    encode,
    encode_req,
    encode_res,
    error_packet,
    split_body,
)

__all__ = [
    "FIELD_COUNT",
    "MAX_TYPE",
    "REQ_MAGIC",
    "RES_MAGIC",
    "AdminLine",
    "BadMagic",
    "Decoder",
    "Event",
    "LineTooLong",
    "Packet",
    "PacketTooLarge",
    "PacketType",
    "ProtocolError",
    "encode",
    "encode_req",
    "encode_res",
    "error_packet",
    "split_body",
]
