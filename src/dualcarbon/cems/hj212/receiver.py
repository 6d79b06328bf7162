"""An asyncio TCP receiver for HJ 212-2017 data loggers (数采仪).

Many loggers connect at once; each connection has its own :class:`~.packet.FrameDecoder`, so a
packet may arrive over several reads, one read may carry several packets, and bytes between
packets are skipped. Per packet:

1. framing and CRC are checked, then the data segment (:func:`~.packet.parse`);
2. a data upload -- real-time (CN=2011), minute (2051), hourly (2061), daily (2031) -- is
   converted to a row (:mod:`.codes`), checked against the rules of the bulk import
   (:mod:`dualcarbon.cems.rules`: ranges, a minute's time on a whole minute) and handed to the
   sink (:mod:`.sink`); values that break a rule are stored null in their dataset and, as
   sent, with the rule in ``invalid-<kind>``; a row whose time breaks its rule goes to
   ``invalid-<kind>`` only;
3. if the packet's Flag has bit A set, the data response CN=9014 is sent back (QN, PW, MN
   echoed, ST=91, Flag=4, ``CP=&&&&``), also for a repeat the sink already holds, so that the
   logger stops resending it -- but only once the rows are **durable**: the answer is held
   until the sink's next commit (at most ``flush_interval`` seconds away) has appended them to
   its write-ahead log and fsynced it. A crash before that commit loses the rows *and* the
   answer, so the logger resends; the sink drops the resend if the rows did reach the log.
   Answers leave each connection in the order the packets came. Parquet is written later,
   in large batches (the sink's ``max_rows`` and ``max_age``), merged into one file per
   source and day.

With an access list (``access``: MN → PW), a packet whose MN is not listed or whose PW differs
is rejected like a malformed one (logged with its MN, never a password; not stored; not
answered). Without one, any MN and PW are accepted.

A packet that fails framing, CRC or parsing is logged (logger ``dualcarbon.cems.hj212``,
level WARNING, with the peer, the field and the rule) and dropped **without an answer**: its
QN, MN and Flag cannot be trusted, and HJ 212-2017's timeout-and-resend (超时重发) makes the
logger send it again. The connection stays open and other loggers are not affected. Known
commands that are not data uploads are logged and ignored; a connection silent for
``idle_timeout`` seconds is closed.

**Under load** (HJ 212-2017 loggers resend their backlog after an outage, all at once): each
connection's bytes are cut into packets as they arrive (an :class:`asyncio.Protocol`), and the
packets wait in a bounded queue per connection (``max_queue``). One task serves the queues in
turn, at most ``batch`` packets of a connection at a time (round robin), so a connection
with a large backlog cannot starve the others. A connection whose queue is full stops being
read (``transport.pause_reading``) until it has drained to half: its socket buffer fills, TCP's
flow control (RFC 9293 §3.8.6, the receive window) stops the logger, and the work held per
connection -- hence the time to the answer -- stays bounded however fast loggers send. The
write-ahead log commits every ``flush_interval`` (group commit: one fsync for all packets of
the interval).

Warnings about one connection (rejected packets, skipped garbage) are rate-limited: the first
``warn_first`` of each ``warn_interval`` are logged, the rest counted and summarised once per
interval and when the connection closes. A source that never sends a parameter the HJ 75
pipeline needs for a measured hour (CO2, flow, temperature, absolute pressure, moisture) is
warned about once per parameter, and listed in the periodic status line.

Split messages (Flag bit D, PNUM/PNO) are reassembled per connection before they are stored;
each part is answered after the next commit, like any packet, although the parts before the last
are then only held in memory (holding their answers until the message is complete would stall
loggers that wait for each answer before sending the next part). A part numbered 1, or a part
number already held, starts a new message; an incomplete message is then stored as far as its
parts parse (a resent part of a message already stored is recognised by the sink as a repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import time as clock
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dualcarbon.cems.hj212.access import AccessList
from dualcarbon.cems.hj212.codes import CodeTable, load_codes
from dualcarbon.cems.hj212.errors import FieldError, HJ212Error
from dualcarbon.cems.hj212.packet import (
    DATA_COMMANDS,
    STANDARD_MAX_DATA_LENGTH,
    CommandParameters,
    FrameDecoder,
    Packet,
    data_ack_bytes,
    parse,
    parse_cp,
)
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.rules import range_problem, time_problem
from dualcarbon.cems.schema import PARAMETERS

log = logging.getLogger("dualcarbon.cems.hj212")

REQUIRED_PARAMETERS = ("co2", "flow", "temperature", "pressure", "moisture")
"""What the HJ 75 pipeline needs for a measured hour (its ``co2_ok`` and ``qsn_ok``: CO2, and
flow, temperature, pressure and moisture for Q_sn); a source that never sends one has no
measured hour."""

_HINTS = {
    "pressure": "absolute pressure = a01013 + ambient pressure: send a01006 or start the "
    "receiver with --ambient-kpa",
    "flow": "a00000, or a01011 (velocity) with a01016 (duct area)",
}


@dataclass
class ReceiverStats:
    """Counters over all connections (for logs, tests and monitoring)."""

    connections: int = 0
    accepted: int = 0
    """Data packets that passed every check (repeats included)."""
    stored: int = 0
    """Rows handed to the sink and taken (repeats not counted)."""
    repeats: int = 0
    acks: int = 0
    ignored: int = 0
    """Valid packets of a command that is not a data upload."""
    rejected: Counter[str] = field(default_factory=Counter)
    """Rejected packets by the field that failed (``CRC``, ``length``, ``CP``, ``CN``, …)."""
    invalid: Counter[str] = field(default_factory=Counter)
    """Values (by parameter) and times (``time``) stored as invalid: they broke a rule of
    :mod:`dualcarbon.cems.rules`."""
    garbage_bytes: int = 0
    idle_closed: int = 0
    paused: int = 0
    """How often a connection's queue was full and its reading paused (back-pressure)."""
    suppressed: int = 0
    """Warnings counted instead of logged (rate limit per connection)."""
    max_queued: int = 0
    """The longest queue of packets read and not yet handled seen on one connection (at most
    ``max_queue`` plus the packets of one read)."""


class _Warnings:
    """Rate-limited warnings about one connection: the first ``first`` of each ``interval`` are
    logged, the rest counted by kind and summarised in one line when the interval is over (and
    when the connection closes). A stream of garbage thus costs a few lines a minute, not one
    per bad header."""

    def __init__(self, peer: str, first: int, interval: float, stats: ReceiverStats) -> None:
        self.peer, self.first, self.interval, self.stats = peer, first, interval, stats
        self.logged = 0
        self.since = clock.monotonic()
        self.counted: Counter[str] = Counter()

    def warn(self, kind: str, message: str, *args: object) -> None:
        if clock.monotonic() - self.since >= self.interval:
            self.summarise()
        if self.logged < self.first:
            self.logged += 1
            log.warning(message, *args)
            if self.logged == self.first:
                log.warning(
                    "%s: %d warnings; further ones are counted and summarised every %.0f s",
                    self.peer,
                    self.first,
                    self.interval,
                )
        else:
            self.counted[kind] += 1
            self.stats.suppressed += 1

    def summarise(self) -> None:
        """Log what was counted since the last summary; start a new interval."""
        if self.counted:
            log.warning(
                "%s: %d more warnings in the last %.0f s, not logged one by one: %s",
                self.peer,
                sum(self.counted.values()),
                clock.monotonic() - self.since,
                ", ".join(f"{kind} {n}" for kind, n in self.counted.most_common()),
            )
        self.counted.clear()
        self.logged = 0
        self.since = clock.monotonic()


@dataclass
class _Split:
    parts: dict[int, str] = field(default_factory=dict)
    packet: Packet | None = None


@dataclass(eq=False)  # one per connection, kept in sets and queues: identity, not value
class _Connection:
    """One logger's connection: the packets read and not yet handled (bounded), and the data
    responses owed to it in the order the packets came: (sink generation whose commit makes
    the packet's rows durable, the answer)."""

    peer: str
    transport: asyncio.Transport
    decoder: FrameDecoder
    warnings: _Warnings
    inbox: deque[bytes] = field(default_factory=deque)
    owed: deque[tuple[int, bytes]] = field(default_factory=deque)
    splits: dict[tuple[str, str, int], _Split] = field(default_factory=dict)
    last_seen: float = field(default_factory=clock.monotonic)
    paused: bool = False
    """Reading is paused: the inbox is full, or the logger does not read its answers."""
    unread: bool = False
    """Answers pile up unread on our side (the transport's write buffer is over its high-water
    mark, 64 KiB): reading stays paused until the logger reads them."""
    queued: bool = False
    """In the receiver's round-robin queue."""
    lost: bool = False
    """The transport is closed; the packets still in the inbox are handled, then it ends."""
    finished: bool = False


class _Protocol(asyncio.Protocol):
    """Cuts one connection's bytes into packets and queues them on the receiver."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.connection: _Connection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.connection = self.receiver._open(transport)

    def data_received(self, data: bytes) -> None:
        if self.connection is not None:
            self.receiver._received(self.connection, data)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if self.connection is not None:
            self.receiver._lost(self.connection, exc)

    def pause_writing(self) -> None:
        # a logger that sends but does not read its answers would make them pile up here
        if self.connection is not None:
            self.connection.unread = True
            self.receiver._pause(self.connection)

    def resume_writing(self) -> None:
        if self.connection is not None:
            self.connection.unread = False
            self.receiver._resume(self.connection)


class Receiver:
    """Receives HJ 212-2017 packets over TCP and stores the data in a :class:`.ParquetSink`.

    Parameters
    ----------
    sink
        Where accepted rows go.
    codes
        The code table (default: the packaged ``data/codes.yaml``).
    idle_timeout
        [s] a connection that sends nothing for this long is closed.
    max_data_length
        [byte] the longest data segment accepted (HJ 212-2017: 1024); longer packets are
        rejected as oversize without being buffered.
    ambient_kpa
        [kPa] ambient pressure to add to a gauge stack pressure when a packet carries no
        ``a01006``: one value for all loggers, or a mapping MN → value.
    flush_interval
        [s] the write-ahead log commit interval: this often the rows received meanwhile are
        appended to the sink's log and fsynced (one fsync for all of them), then the answers
        they make due are sent. An answer thus waits at most about this long (plus the fsync).
        Default 0.2 s, well below the loggers' answer timeout (HJ 212-2017 超时重发,
        ``OverTime`` set by CN=1000). Whether a partition is due for its Parquet file (the
        sink's ``max_rows``, ``max_age``) is checked this often too (see docs/cems-hj212.md).
    access
        MN → PW allowed to upload (an :class:`.AccessList` or a plain mapping); ``None``: open,
        any MN and PW accepted.
    max_queue
        [packets] read and not yet handled per connection; a full queue pauses reading from
        that connection (TCP back-pressure) until half of it is handled.
    batch
        [packets] handled from one connection before the next connection's turn.
    receive_buffer
        [byte] the kernel receive buffer of each connection (``SO_RCVBUF``; Linux doubles it),
        which with ``max_queue`` bounds what a paused connection holds; 0: the system's.
    warn_first, warn_interval
        per connection, the first ``warn_first`` warnings of each ``warn_interval`` seconds are
        logged, the rest counted and summarised.
    missing_after
        [packets] a source that has sent this many data packets without a parameter of
        :data:`REQUIRED_PARAMETERS` is warned about (once per parameter).
    status_interval
        [s] how often a status line (counters, suppressed warnings, missing parameters) is
        logged at INFO level (WARNING while a source lacks a required parameter).
    """

    def __init__(
        self,
        sink: ParquetSink,
        *,
        codes: CodeTable | None = None,
        idle_timeout: float = 600.0,
        max_data_length: int = STANDARD_MAX_DATA_LENGTH,
        ambient_kpa: float | Mapping[str, float] | None = None,
        flush_interval: float = 0.2,
        access: AccessList | Mapping[str, str] | None = None,
        max_queue: int = 32,
        batch: int = 16,
        receive_buffer: int = 8192,
        warn_first: int = 10,
        warn_interval: float = 60.0,
        missing_after: int = 10,
        status_interval: float = 300.0,
    ) -> None:
        self.sink = sink
        self.codes = codes if codes is not None else load_codes()
        self.idle_timeout = idle_timeout
        self.max_data_length = max_data_length
        self.ambient_kpa = ambient_kpa
        self.flush_interval = flush_interval
        self.access = _access_list(access)
        self.max_queue = max(1, max_queue)
        self.batch = max(1, batch)
        self.receive_buffer = receive_buffer
        self.warn_first = warn_first
        self.warn_interval = warn_interval
        self.missing_after = missing_after
        self.status_interval = status_interval
        self.stats = ReceiverStats()
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._connections: set[_Connection] = set()
        self._ready: deque[_Connection] = deque()
        self._wake = asyncio.Event()
        self._packets: Counter[str] = Counter()
        """Data packets stored per source (MN)."""
        self._arrived: dict[str, set[str]] = {}
        """Per source, the required parameters that came at least once."""
        self._warned_missing: set[tuple[str, str]] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Listen on ``host:port`` (port 0: any free port, see :attr:`port`)."""
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._server = await loop.create_server(lambda: _Protocol(self), host, port)
        self._tasks = [
            asyncio.create_task(self._service_loop()),
            asyncio.create_task(self._commit_loop()),
            asyncio.create_task(self._write_loop()),
            asyncio.create_task(self._housekeeping_loop()),
        ]
        log.info("HJ 212 receiver listening on %s", self.addresses)
        if self.access is None:
            log.info("no access list: packets from any MN with any PW are accepted")
        else:
            log.info("access list %s: %d loggers", self.access.source or "-", len(self.access))
        if self.ambient_kpa is None:
            log.info(
                "no ambient pressure configured: a gauge stack pressure from a logger that "
                "sends no a01006 is stored null (set ambient_kpa / --ambient-kpa)"
            )
        return self._server

    @property
    def addresses(self) -> list[tuple[str, int]]:
        if self._server is None:
            return []
        return [sock.getsockname()[:2] for sock in self._server.sockets]

    @property
    def port(self) -> int:
        return self.addresses[0][1]

    async def stop(self) -> None:
        """Stop listening; handle the packets already read; commit and send the answers that
        commit makes due; close the connections; write every row to Parquet, including the
        rest (incomplete split messages: stored, not answered, so their loggers resend and the
        resend is dropped as a repeat)."""
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for connection in list(self._connections):
            if not connection.lost:
                connection.transport.pause_reading()
            try:
                self._drain_inbox(connection)
            except Exception:  # as in the service loop: one connection, not the stop
                log.exception("handling a packet from %s failed at the stop", connection.peer)
                connection.inbox.clear()
        await self._commit()
        for connection in list(self._connections):
            connection.transport.close()
            self._finish(connection)
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.to_thread(self.sink.close)
        self._status(final=True)
        log.info("HJ 212 receiver stopped: %s", self.stats)

    async def _commit_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self._commit()

    async def _write_loop(self) -> None:
        # apart from the commits, so that a large Parquet write never delays an answer
        while True:
            await asyncio.sleep(self.flush_interval)
            if self.sink.due():
                try:
                    await asyncio.to_thread(self.sink.write_due)
                except Exception:
                    log.exception("writing Parquet failed; rows kept in memory and in the log")

    async def _housekeeping_loop(self) -> None:
        """Idle connections, warning summaries, the status line."""
        tick = max(0.05, min(1.0, self.idle_timeout / 4))
        last_status = clock.monotonic()
        while True:
            await asyncio.sleep(tick)
            now = clock.monotonic()
            for connection in list(self._connections):
                if connection.lost:
                    continue
                if now - connection.warnings.since >= connection.warnings.interval:
                    connection.warnings.summarise()
                idle = now - connection.last_seen >= self.idle_timeout
                # a logger waiting for our answers, or whose packets we still hold, is not idle
                if idle and not connection.owed and not connection.inbox:
                    self.stats.idle_closed += 1
                    log.info("closing %s: idle for %.0f s", connection.peer, self.idle_timeout)
                    connection.transport.close()
            if now - last_status >= self.status_interval:
                last_status = now
                self._status()

    async def _commit(self) -> None:
        """Log the sink's new rows durably, then send every answer whose rows that made
        durable."""
        try:
            await asyncio.to_thread(self.sink.commit)
        except Exception:
            log.exception("committing the HJ 212 log failed; rows kept for a retry, answers held")
            return
        self._send_due_answers()

    def _send_due_answers(self) -> None:
        durable = self.sink.durable_epoch
        for connection in self._connections:
            owed = connection.owed
            if not owed or owed[0][0] > durable:
                continue
            answers = []
            # in packet order: an answer waits behind an earlier one not yet due
            while owed and owed[0][0] <= durable:
                answers.append(owed.popleft()[1])
            if connection.lost or connection.transport.is_closing():
                continue  # the logger is gone; it resends on its next connection
            connection.transport.write(b"".join(answers))
            self.stats.acks += len(answers)

    # --- connections -------------------------------------------------------------------------

    def _open(self, transport: asyncio.Transport) -> _Connection:
        self.stats.connections += 1
        peer = str(transport.get_extra_info("peername"))
        sock = transport.get_extra_info("socket")
        if sock is not None and self.receive_buffer > 0:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        connection = _Connection(
            peer=peer,
            transport=transport,
            decoder=FrameDecoder(max_data_length=self.max_data_length),
            warnings=_Warnings(peer, self.warn_first, self.warn_interval, self.stats),
        )
        self._connections.add(connection)
        return connection

    def _received(self, connection: _Connection, data: bytes) -> None:
        connection.last_seen = clock.monotonic()
        decoder = connection.decoder
        garbage = decoder.garbage_bytes
        items = decoder.feed(data)
        if decoder.garbage_bytes > garbage:
            skipped = decoder.garbage_bytes - garbage
            self.stats.garbage_bytes += skipped
            connection.warnings.warn(
                "garbage", "skipped %d bytes outside any packet from %s", skipped, connection.peer
            )
        packets = []
        for item in items:
            if isinstance(item, HJ212Error):
                # framing errors are counted at once, not queued: a read of '##xx#' garbage
                # would otherwise fill the queue with tens of thousands of them
                self._reject(connection.peer, item, connection.warnings)
            else:
                packets.append(item)
        if not packets:
            return
        connection.inbox.extend(packets)
        if len(connection.inbox) > self.stats.max_queued:
            self.stats.max_queued = len(connection.inbox)
        if not connection.queued:
            connection.queued = True
            self._ready.append(connection)
            self._wake.set()
        if len(connection.inbox) >= self.max_queue:
            self._pause(connection)

    def _pause(self, connection: _Connection) -> None:
        if not connection.paused and not connection.lost:
            connection.paused = True
            self.stats.paused += 1
            connection.transport.pause_reading()

    def _resume(self, connection: _Connection) -> None:
        """Read again once the inbox is down to half and the answers are being read."""
        if (
            connection.paused
            and not connection.lost
            and not connection.unread
            and len(connection.inbox) <= self.max_queue // 2
        ):
            connection.paused = False
            connection.transport.resume_reading()

    def _lost(self, connection: _Connection, exc: Exception | None) -> None:
        connection.lost = True
        if exc is not None:
            log.info("connection %s lost: %s", connection.peer, exc)
        if not connection.queued:
            self._finish(connection)

    def _finish(self, connection: _Connection) -> None:
        """The end of a connection, once its last packets are handled."""
        if connection.finished:
            return
        connection.finished = True
        for key in list(connection.splits):
            self._complete_split(connection, connection.splits.pop(key), partial=True)
        self._connections.discard(connection)
        connection.warnings.summarise()
        if connection.owed:
            log.info(
                "connection %s closed with %d answers not yet due; its logger will resend",
                connection.peer,
                len(connection.owed),
            )

    async def _service_loop(self) -> None:
        """Handle the queued packets, connection after connection, ``batch`` at a time."""
        while True:
            if not self._ready:
                self._wake.clear()
                await self._wake.wait()
                continue
            for _ in range(len(self._ready)):  # one round over the connections with packets
                connection = self._ready.popleft()
                try:
                    self._serve(connection, self.batch)
                except Exception:
                    # a bug must cost one connection (its logger resends), not the receiver
                    log.exception("handling a packet from %s failed; closing", connection.peer)
                    connection.inbox.clear()
                    connection.transport.close()
                if connection.inbox:
                    self._ready.append(connection)
                else:
                    connection.queued = False
                    if connection.lost:
                        self._finish(connection)
            await asyncio.sleep(0)  # reads, answers and commits between rounds

    def _serve(self, connection: _Connection, budget: int) -> None:
        inbox = connection.inbox
        while inbox and budget > 0:
            budget -= 1
            item = inbox.popleft()
            reply = self.handle_packet(item, connection.peer, connection.splits, connection)
            if reply is not None:
                # owed from the generation that holds the rows now (read after the add, so
                # never too early)
                connection.owed.append((self.sink.epoch, reply))
        self._resume(connection)

    def _drain_inbox(self, connection: _Connection) -> None:
        self._serve(connection, len(connection.inbox))
        if connection in self._ready:
            self._ready.remove(connection)
        connection.queued = False

    def _reject(self, peer: str, error: HJ212Error, warnings: _Warnings | None = None) -> None:
        # the error's text names fields and rules, never a password (errors.AccessError)
        self.stats.rejected[error.field] += 1
        if warnings is None:
            log.warning("rejected packet from %s: %s", peer, error)
        else:
            warnings.warn(error.field, "rejected packet from %s: %s", peer, error)

    # --- status ------------------------------------------------------------------------------

    def missing(self) -> dict[str, list[str]]:
        """Sources that have sent ``missing_after`` data packets or more without one of the
        :data:`REQUIRED_PARAMETERS`: MN → the parameters never received."""
        found = {}
        for source, count in self._packets.items():
            if count < self.missing_after:
                continue
            absent = [p for p in REQUIRED_PARAMETERS if p not in self._arrived.get(source, ())]
            if absent:
                found[source] = absent
        return found

    def _status(self, *, final: bool = False) -> None:
        missing = self.missing()
        level = logging.WARNING if missing else logging.INFO
        log.log(
            level,
            "HJ 212 receiver status%s: %d connections open, %d packets accepted, %d rows stored, "
            "%d repeats, %d acknowledged, rejected %s, invalid values %s, %d warnings "
            "suppressed; sources without a required parameter: %s",
            " (at stop)" if final else "",
            len(self._connections),
            self.stats.accepted,
            self.stats.stored,
            self.stats.repeats,
            self.stats.acks,
            dict(self.stats.rejected),
            dict(self.stats.invalid),
            self.stats.suppressed,
            "; ".join(f"{mn}: {', '.join(params)}" for mn, params in sorted(missing.items()))
            or "none",
        )

    def _track(self, source: str, row: Mapping[str, Any], summary: bool) -> None:
        """Note which required parameters a source sends; warn once per parameter that has
        not come after ``missing_after`` packets."""
        arrived = self._arrived.setdefault(source, set())
        for name in REQUIRED_PARAMETERS:
            if name not in arrived and row[f"{name}_avg" if summary else name] is not None:
                arrived.add(name)
        self._packets[source] += 1
        if self._packets[source] != self.missing_after or len(arrived) == len(REQUIRED_PARAMETERS):
            return
        for name in REQUIRED_PARAMETERS:
            if name in arrived or (source, name) in self._warned_missing:
                continue
            self._warned_missing.add((source, name))
            codes = sorted(c.code for c in self.codes.codes.values() if c.target == name)
            log.warning(
                "MN=%s: %d data packets and no %s (codes %s%s); stored null, so no hour of this "
                "source can be measured",
                source,
                self._packets[source],
                name,
                ", ".join(codes) or "none in the code table",
                f"; {_HINTS[name]}" if name in _HINTS else "",
            )

    # --- one packet --------------------------------------------------------------------------

    def handle_packet(
        self,
        raw: bytes,
        peer: str = "-",
        splits: dict[tuple[str, str, int], _Split] | None = None,
        connection: _Connection | None = None,
    ) -> bytes | None:
        """Check and store one framed packet; return the answer it is owed, if any. Over TCP
        the answer is held until the sink has logged the packet's rows (:meth:`_commit`)."""
        warnings = None if connection is None else connection.warnings
        try:
            packet = parse(raw, max_data_length=self.max_data_length)
            if self.access is not None:
                self.access.check(packet)
            if packet.cn not in DATA_COMMANDS:
                self.stats.ignored += 1
                log.info(
                    "ignored CN=%s from %s (MN=%s): not a data upload", packet.cn, peer, packet.mn
                )
                return None
            if packet.needs_ack and packet.qn is None:
                raise FieldError("QN", "missing although Flag asks for an acknowledgement")
            if packet.pnum is not None and packet.pno is not None and packet.pnum > 1:
                self._add_split(peer, packet, splits if splits is not None else {}, warnings)
            else:
                self._store(peer, packet, parse_cp(packet.cp))
        except HJ212Error as error:
            self._reject(peer, error, warnings)
            return None
        self.stats.accepted += 1
        return data_ack_bytes(packet) if packet.needs_ack else None

    def _add_split(
        self,
        peer: str,
        packet: Packet,
        splits: dict[tuple[str, str, int], _Split],
        warnings: _Warnings | None,
    ) -> None:
        assert packet.pnum is not None and packet.pno is not None
        key = (packet.mn, packet.cn, packet.pnum)
        group = splits.get(key)
        if group is not None and group.parts.get(packet.pno) == packet.cp:
            self.stats.repeats += 1  # the same part resent (its acknowledgement was lost)
            return
        if group is not None and (packet.pno == 1 or packet.pno in group.parts):
            # a new message began (or a part was resent) before the last one was complete
            self._complete_split_of(peer, splits.pop(key), True, warnings)
            group = None
        if group is None:
            group = splits[key] = _Split(packet=packet)
        group.parts[packet.pno] = packet.cp
        if len(group.parts) == packet.pnum:
            self._complete_split_of(peer, splits.pop(key), False, warnings)

    def _complete_split(self, connection: _Connection, group: _Split, *, partial: bool) -> None:
        self._complete_split_of(connection.peer, group, partial, connection.warnings)

    def _complete_split_of(
        self, peer: str, group: _Split, partial: bool, warnings: _Warnings | None
    ) -> None:
        packet = group.packet
        assert packet is not None
        parts = [group.parts[pno] for pno in sorted(group.parts)]
        if partial:
            log.warning(
                "split message CN=%s from MN=%s incomplete (%d of %s parts); storing what parses",
                packet.cn,
                packet.mn,
                len(parts),
                packet.pnum,
            )
        try:
            merged = _merge_parts(parts)
            self._store(peer, packet, merged)
        except HJ212Error as error:
            self._reject(peer, error, warnings)

    def _store(self, peer: str, packet: Packet, cp: CommandParameters) -> None:
        kind = DATA_COMMANDS[packet.cn]
        if cp.data_time is None:
            raise FieldError("DataTime", f"missing from the CP of CN={packet.cn}")
        ambient = self._ambient(packet.mn)
        summary = kind in ("hourly", "daily")
        if not summary:
            value_field = "Rtd" if kind == "realtime" else "Avg"
            row = self.codes.minute_row(
                packet.mn, cp.data_time, cp.items, value_field, ambient_kpa=ambient
            )
            empty = all(row[name] is None for name in PARAMETERS)
        else:
            row = self.codes.summary_row(packet.mn, cp.data_time, cp.items, ambient_kpa=ambient)
            empty = all(row[f"{name}_avg"] is None for name in PARAMETERS)
        if empty:
            log.info(
                "%s data from MN=%s at %s carry none of the codes %s; nothing stored",
                kind,
                packet.mn,
                cp.data_time,
                sorted(self.codes.codes),
            )
            return
        reasons, valid = _check(kind, row, summary)
        if reasons:
            taken = self._store_invalid(kind, row, valid, reasons)
        else:
            taken = self.sink.add(kind, row)
        if taken:
            self.stats.stored += 1
            if not reasons or valid is not None:
                self._track(packet.mn, row if valid is None else valid, summary)
        else:
            self.stats.repeats += 1
            log.debug("repeat of %s data from MN=%s at %s dropped", kind, packet.mn, cp.data_time)

    def _store_invalid(
        self,
        kind: str,
        row: dict[str, Any],
        valid: dict[str, Any] | None,
        reasons: list[tuple[str, str]],
    ) -> bool:
        """Store the row as sent in ``invalid-<kind>`` with its reasons and, if its time is
        valid, the row with the invalid values null in ``kind``. False: a repeat."""
        if valid is not None and not self.sink.add(kind, valid):
            return False
        text = "; ".join(f"{name}: {rule}" for name, rule in reasons)
        taken = self.sink.add(f"invalid-{kind}", {**row, "reasons": text})
        if taken or valid is not None:
            for name, _ in reasons:
                self.stats.invalid[name] += 1
            log.debug("%s data from MN=%s at %s marked invalid: %s", kind, row["source"],
                      row["time"], text)  # fmt: skip
        return taken or valid is not None

    def _ambient(self, mn: str) -> float | None:
        if self.ambient_kpa is None or isinstance(self.ambient_kpa, float | int):
            return self.ambient_kpa
        return self.ambient_kpa.get(mn)


def _check(
    kind: str, row: dict[str, Any], summary: bool
) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
    """The rules of :mod:`dualcarbon.cems.rules` a row breaks, as (parameter or ``time``,
    rule), and the row to store in its own dataset: with the invalid values (and their flags)
    null, or None when its time breaks the rule (it then goes to ``invalid-<kind>`` only)."""
    reasons: list[tuple[str, str]] = []
    wrong_time = time_problem(kind, row["time"])
    if wrong_time is not None:
        reasons.append(("time", wrong_time))
    bad: list[str] = []
    for name in PARAMETERS:
        for column in (f"{name}_avg", f"{name}_min", f"{name}_max") if summary else (name,):
            rule = range_problem(name, row[column])
            if rule is not None:
                reasons.append((column, rule))
                bad.append(column)
    if not reasons:
        return reasons, None
    if wrong_time is not None:
        return reasons, None
    valid = dict(row)
    for column in bad:
        valid[column] = None
        name = column.rsplit("_", 1)[0] if summary else column
        if not summary or all(valid[f"{name}_{k}"] is None for k in ("avg", "min", "max")):
            valid[f"{name}_flag"] = None
    return reasons, valid


def _access_list(access: AccessList | Mapping[str, str] | None) -> AccessList | None:
    if access is None or isinstance(access, AccessList):
        return access
    return AccessList(access, source="(mapping)")


def _merge_parts(parts: list[str]) -> CommandParameters:
    """The CP of a split message: each part parsed alone and merged when every part carries the
    same DataTime; otherwise the parts are one CP cut into pieces and are joined."""
    try:
        parsed = [parse_cp(part) for part in parts]
    except HJ212Error:
        parsed = []
    times = {cp.data_time for cp in parsed}
    if parsed and len(times) == 1 and None not in times:
        items: dict[str, dict[str, str]] = {}
        params: dict[str, str] = {}
        for cp in parsed:
            for code, fields in cp.items.items():
                items.setdefault(code, {}).update(fields)
            params.update(cp.params)
        return CommandParameters(data_time=parsed[0].data_time, items=items, params=params)
    return parse_cp("".join(parts))


# --- entry point -----------------------------------------------------------------------------


async def run(
    host: str,
    port: int,
    root: str | Path,
    *,
    stop: asyncio.Event | None = None,
    **options: Any,
) -> ReceiverStats:
    """Run a receiver writing under ``root`` until ``stop`` is set (or SIGINT/SIGTERM).
    Raises :class:`.RootInUseError` before listening if another receiver holds ``root``."""
    sink_keys = ("max_rows", "max_age", "dedupe_window", "logger_root", "recall")
    sink_options = {k: options.pop(k) for k in sink_keys if k in options}
    sink = ParquetSink(root, **sink_options)
    receiver = Receiver(sink, **options)
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    await receiver.start(host, port)
    try:
        await stop.wait()
    finally:
        await receiver.stop()
    return receiver.stats


def serve(host: str, port: int, root: str | Path, **options: Any) -> None:
    """Receive HJ 212-2017 packets on ``host:port`` and store them under ``root`` until
    interrupted (``dualcarbon cems receive``). ``options`` go to :class:`Receiver`
    (``idle_timeout``, ``max_data_length``, ``ambient_kpa``, ``codes``, ``flush_interval``,
    ``access``, ``max_queue``, ``batch``, ``receive_buffer``, ``warn_first``,
    ``warn_interval``, ``missing_after``, ``status_interval``) and to the sink
    (``max_rows``, ``max_age``, ``dedupe_window``, ``logger_root``, ``recall``)."""
    asyncio.run(run(host, port, root, **options))


__all__ = ["Receiver", "ReceiverStats", "run", "serve"]
