/**
 * Entry of the Parquet encoder thread (see parquet-thread.ts for the protocol). Each part is a
 * LocalParquetSink; its requests run one after another in arrival order, and every request gets
 * exactly one reply, so the writing thread never waits on a request this thread has forgotten.
 */
import { parentPort } from 'node:worker_threads';
import { isMohEtlError } from '../errors.js';
import { LocalParquetSink } from './parquet-sink.js';
import type { EncoderReply, EncoderRequest, ReplyError } from './parquet-thread.js';

const port = parentPort;
if (!port) throw new Error('parquet-worker.js runs only as a worker thread');

const sinks = new Map<number, LocalParquetSink>();
/** The last request of each part: the next one starts when it has settled. */
const queues = new Map<number, Promise<unknown>>();

const errorReply = (e: unknown): ReplyError =>
  isMohEtlError(e)
    ? { message: e.message, output: e.name === 'OutputError', hint: e.hint }
    : { message: e instanceof Error ? e.message : String(e), output: false };

function sinkOf(id: number): LocalParquetSink {
  const sink = sinks.get(id);
  if (!sink) throw new Error(`no open Parquet part #${id}`);
  return sink;
}

async function handle(m: EncoderRequest): Promise<EncoderReply> {
  switch (m.op) {
    case 'open': {
      const sink = await LocalParquetSink.open(m.job);
      sinks.set(m.id, sink);
      return { seq: m.seq, ok: true, bytes: 0, tempPath: sink.tempPath };
    }
    case 'push': {
      const sink = sinkOf(m.id);
      await sink.push(m.ipc.subarray(0, m.length));
      // The encoder has copied the chunk: the buffer goes back for the next chunk (see ThreadParquetSink).
      return { seq: m.seq, ok: true, bytes: sink.bytes, spare: m.ipc.buffer as ArrayBuffer };
    }
    case 'commit': {
      const sink = sinkOf(m.id);
      const part = await sink.commit(m.rows);
      sinks.delete(m.id);
      return { seq: m.seq, ok: true, bytes: part.bytes, part };
    }
    case 'abort': {
      await sinks.get(m.id)?.abort();
      sinks.delete(m.id);
      return { seq: m.seq, ok: true, bytes: 0 };
    }
  }
}

port.on('message', (m: EncoderRequest) => {
  // abort does not queue behind a push that waits for the encoder: it stops the encoder, which
  // fails that push, and then waits for the queue like any other request.
  if (m.op === 'abort') void sinks.get(m.id)?.abort();
  const previous = queues.get(m.id) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => handle(m))
    .then(
      (reply) => port.postMessage(reply, reply.ok && reply.spare ? [reply.spare] : []),
      (e: unknown) =>
        port.postMessage({ seq: m.seq, ok: false, error: errorReply(e) } satisfies EncoderReply),
    );
  queues.set(m.id, next);
  void next.then(() => {
    if (queues.get(m.id) === next) queues.delete(m.id);
  });
});
