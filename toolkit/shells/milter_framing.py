"""Milter packet framing: a 4-octet big-endian length (counting the command octet and the data), one command
octet, then the data. Sans-IO; milter_protocol.py (the codec of what is inside the packets) re-exports it."""

from __future__ import annotations

import struct

MAX_PACKET = 16 * 1024 * 1024  # a peer announcing more than this is broken or hostile


class ProtocolError(ValueError):
    """The peer sent something the protocol does not allow: the connection cannot continue."""


def encode_packet(code: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload) + 1) + code + payload


class PacketReader:
    """Feed bytes, get complete (code, payload) packets out, all at once (feed) or one at a time (add, then next
    until None). Sans-IO. Packets are cut from an offset into one buffer, which is compacted once per add, not
    once per packet."""

    def __init__(self, max_packet: int = MAX_PACKET) -> None:
        self._buffer = bytearray()
        self._start = 0  # bytes before this were handed out already
        self._max = max_packet

    def add(self, data: bytes) -> None:
        if self._start:
            del self._buffer[: self._start]
            self._start = 0
        self._buffer += data

    def next(self) -> tuple[bytes, bytes] | None:
        """The next whole packet, or None until more arrives; ProtocolError for an impossible length."""
        buffer, start = self._buffer, self._start
        if len(buffer) - start < 4:
            return None
        length = int.from_bytes(buffer[start : start + 4], "big")
        check_length(length, self._max)
        end = start + 4 + length
        if len(buffer) < end:
            return None
        self._start = end
        return bytes(buffer[start + 4 : start + 5]), bytes(buffer[start + 5 : end])

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        self.add(data)
        packets = []
        while (packet := self.next()) is not None:
            packets.append(packet)
        return packets

    def shrink(self) -> None:
        """Keep only the unread bytes, in a buffer of their size (after a large message: its memory can go)."""
        self._buffer = bytearray(self._buffer[self._start :])
        self._start = 0

    @property
    def pending(self) -> int:
        return len(self._buffer) - self._start


def check_length(length: int, max_packet: int = MAX_PACKET) -> None:
    if length < 1 or length > max_packet:
        raise ProtocolError(f"bad packet length {length}")
