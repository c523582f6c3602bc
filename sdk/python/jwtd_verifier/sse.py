"""An incremental parser of Server-Sent Events (the WHATWG `text/event-stream` format): bytes in,
whole events out. Lines end in LF or CRLF; every line and event is bounded."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FeedError


@dataclass(frozen=True)
class Event:
    type: str  # "message" when the event names none
    id: str | None  # this event's id field, if it had one
    data: str


class SseParser:
    def __init__(self, max_line: int = 64 * 1024, max_event: int = 1024 * 1024) -> None:
        self._buf = bytearray()
        self._max_line = max_line
        self._max_event = max_event
        self._reset()

    def _reset(self) -> None:
        self._type = ""
        self._id: str | None = None
        self._data: list[str] = []
        self._size = 0

    def feed(self, chunk: bytes) -> list[Event]:
        """The events completed by `chunk`. FeedError for a line or an event over its bound."""
        self._buf += chunk
        events: list[Event] = []
        start = 0
        while (end := self._buf.find(b"\n", start)) != -1:
            line = bytes(self._buf[start:end])
            start = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            event = self._line(line.decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        del self._buf[:start]
        if len(self._buf) > self._max_line:
            raise FeedError("event-stream line too long")
        return events

    def _line(self, line: str) -> Event | None:
        if not line:  # a blank line dispatches the event
            event = (Event(self._type or "message", self._id, "\n".join(self._data))
                     if self._data else None)
            self._reset()
            return event
        if line.startswith(":"):
            return None  # a comment
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        self._size += len(value)
        if self._size > self._max_event:
            raise FeedError("event-stream event too large")
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None
