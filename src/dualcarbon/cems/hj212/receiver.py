"""An asyncio TCP receiver for HJ 212-2017 data loggers (数采仪).

Many loggers connect at once; each connection has its own :class:`~.packet.FrameDecoder`, so a
packet may arrive over several reads, one read may carry several packets, and bytes between
packets are skipped. Per packet:

1. framing and CRC are checked, then the data segment (:func:`~.packet.parse`);
2. a data upload -- real-time (CN=2011), minute (2051), hourly (2061), daily (2031) -- is
   converted to a row (:mod:`.codes`) and handed to the sink (:mod:`.sink`);
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
    data_ack,
    parse,
    parse_cp,
)
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.schema import PARAMETERS

log = logging.getLogger("dualcarbon.cems.hj212")


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
    garbage_bytes: int = 0
    idle_closed: int = 0


@dataclass(eq=False)  # one per connection, kept in a set: identity, not value
class _Connection:
    """One logger's connection and the data responses owed to it, in the order the packets
    came: (sink generation whose commit makes the packet's rows durable, the answer)."""

    writer: asyncio.StreamWriter
    peer: str
    owed: deque[tuple[int, bytes]] = field(default_factory=deque)


@dataclass
class _Split:
    parts: dict[int, str] = field(default_factory=dict)
    packet: Packet | None = None


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
        Default 1 s, meant to stay well below the loggers' answer timeout (HJ 212-2017
        超时重发, ``OverTime`` set by CN=1000; the values used in the field were not checked).
        Whether a partition is due for its Parquet file (the sink's ``max_rows``, ``max_age``)
        is checked this often too (see docs/cems-hj212.md).
    access
        MN → PW allowed to upload (an :class:`.AccessList` or a plain mapping); ``None``: open,
        any MN and PW accepted.
    """

    def __init__(
        self,
        sink: ParquetSink,
        *,
        codes: CodeTable | None = None,
        idle_timeout: float = 600.0,
        max_data_length: int = STANDARD_MAX_DATA_LENGTH,
        ambient_kpa: float | Mapping[str, float] | None = None,
        flush_interval: float = 1.0,
        read_size: int = 65536,
        access: AccessList | Mapping[str, str] | None = None,
    ) -> None:
        self.sink = sink
        self.codes = codes if codes is not None else load_codes()
        self.idle_timeout = idle_timeout
        self.max_data_length = max_data_length
        self.ambient_kpa = ambient_kpa
        self.flush_interval = flush_interval
        self.read_size = read_size
        self.access = _access_list(access)
        self.stats = ReceiverStats()
        self._server: asyncio.Server | None = None
        self._committer: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._connections: set[_Connection] = set()
        self._handlers: set[asyncio.Task[Any]] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Listen on ``host:port`` (port 0: any free port, see :attr:`port`)."""
        self._server = await asyncio.start_server(self._handle, host, port)
        self._committer = asyncio.create_task(self._commit_loop())
        self._writer = asyncio.create_task(self._write_loop())
        log.info("HJ 212 receiver listening on %s", self.addresses)
        if self.access is None:
            log.info("no access list: packets from any MN with any PW are accepted")
        else:
            log.info("access list %s: %d loggers", self.access.source or "-", len(self.access))
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
        """Stop listening; commit what is buffered and send the answers that commit makes due;
        close the connections; write every row to Parquet, including the rest (incomplete split
        messages, packets that came during the shutdown: stored, not answered, so their loggers
        resend and the resend is dropped as a repeat)."""
        if self._server is not None:
            self._server.close()
        for task in (self._committer, self._writer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._commit()
        for connection in list(self._connections):
            with contextlib.suppress(ConnectionError, OSError):
                await connection.writer.drain()
            connection.writer.close()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.to_thread(self.sink.close)
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
            # in packet order: an answer waits behind an earlier one not yet due
            while connection.owed and connection.owed[0][0] <= durable:
                _, answer = connection.owed.popleft()
                if connection.writer.is_closing():
                    continue  # the logger is gone; it resends on its next connection
                connection.writer.write(answer)
                self.stats.acks += 1

    # --- one connection ----------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self.stats.connections += 1
        peer = str(writer.get_extra_info("peername"))
        connection = _Connection(writer, peer)
        self._connections.add(connection)
        decoder = FrameDecoder(max_data_length=self.max_data_length)
        splits: dict[tuple[str, str, int], _Split] = {}
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(self.read_size), self.idle_timeout)
                except TimeoutError:
                    if connection.owed:
                        continue  # the logger waits for our answers: not idle
                    self.stats.idle_closed += 1
                    log.info("closing %s: idle for %.0f s", peer, self.idle_timeout)
                    break
                if not data:
                    break
                garbage = decoder.garbage_bytes
                for item in decoder.feed(data):
                    if isinstance(item, HJ212Error):
                        self._reject(peer, item)
                        continue
                    reply = self.handle_packet(item, peer, splits)
                    if reply is not None:
                        # owed from the generation that holds the rows now (read after the
                        # add, so never too early)
                        connection.owed.append((self.sink.epoch, reply))
                if decoder.garbage_bytes > garbage:
                    self.stats.garbage_bytes += decoder.garbage_bytes - garbage
                    log.warning(
                        "skipped %d bytes outside any packet from %s",
                        decoder.garbage_bytes - garbage,
                        peer,
                    )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            log.info("connection %s lost: %s", peer, error)
        finally:
            for key in list(splits):
                self._complete_split(peer, splits.pop(key), partial=True)
            self._connections.discard(connection)
            if connection.owed:
                log.info(
                    "connection %s closed with %d answers not yet due; its logger will resend",
                    peer,
                    len(connection.owed),
                )
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            if task is not None:
                self._handlers.discard(task)

    def _reject(self, peer: str, error: HJ212Error) -> None:
        # the error's text names fields and rules, never a password (errors.AccessError)
        self.stats.rejected[error.field] += 1
        log.warning("rejected packet from %s: %s", peer, error)

    # --- one packet --------------------------------------------------------------------------

    def handle_packet(
        self,
        raw: bytes,
        peer: str = "-",
        splits: dict[tuple[str, str, int], _Split] | None = None,
    ) -> bytes | None:
        """Check and store one framed packet; return the answer it is owed, if any. Over TCP
        the answer is held until the sink has logged the packet's rows (:meth:`_commit`)."""
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
                self._add_split(peer, packet, splits if splits is not None else {})
            else:
                self._store(peer, packet, parse_cp(packet.cp))
        except HJ212Error as error:
            self._reject(peer, error)
            return None
        self.stats.accepted += 1
        return data_ack(packet).encode() if packet.needs_ack else None

    def _add_split(
        self, peer: str, packet: Packet, splits: dict[tuple[str, str, int], _Split]
    ) -> None:
        assert packet.pnum is not None and packet.pno is not None
        key = (packet.mn, packet.cn, packet.pnum)
        group = splits.get(key)
        if group is not None and group.parts.get(packet.pno) == packet.cp:
            self.stats.repeats += 1  # the same part resent (its acknowledgement was lost)
            return
        if group is not None and (packet.pno == 1 or packet.pno in group.parts):
            # a new message began (or a part was resent) before the last one was complete
            self._complete_split(peer, splits.pop(key), partial=True)
            group = None
        if group is None:
            group = splits[key] = _Split(packet=packet)
        group.parts[packet.pno] = packet.cp
        if len(group.parts) == packet.pnum:
            self._complete_split(peer, splits.pop(key), partial=False)

    def _complete_split(self, peer: str, group: _Split, *, partial: bool) -> None:
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
            self._reject(peer, error)

    def _store(self, peer: str, packet: Packet, cp: CommandParameters) -> None:
        kind = DATA_COMMANDS[packet.cn]
        if cp.data_time is None:
            raise FieldError("DataTime", f"missing from the CP of CN={packet.cn}")
        ambient = self._ambient(packet.mn)
        if kind in ("realtime", "minute"):
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
        if self.sink.add(kind, row):
            self.stats.stored += 1
        else:
            self.stats.repeats += 1
            log.info("repeat of %s data from MN=%s at %s dropped", kind, packet.mn, cp.data_time)

    def _ambient(self, mn: str) -> float | None:
        if self.ambient_kpa is None or isinstance(self.ambient_kpa, float | int):
            return self.ambient_kpa
        return self.ambient_kpa.get(mn)


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
    ``access``) and to the sink
    (``max_rows``, ``max_age``, ``dedupe_window``, ``logger_root``, ``recall``)."""
    asyncio.run(run(host, port, root, **options))


__all__ = ["Receiver", "ReceiverStats", "run", "serve"]
