import type { ChunkSink, ChunkStream } from './types';

/** A pulled stream (a Fetch body, an async generator) as the pushed kind the core reads. */
export function chunkStreamOf(chunks: AsyncIterable<Uint8Array>): ChunkStream {
  return {
    read(sink) {
      const iterator = chunks[Symbol.asyncIterator]();
      const flow = { stopped: false };
      void pump(iterator, sink, flow);
      return () => {
        flow.stopped = true;
        // Cancels a Fetch body, so its sender stops sending.
        iterator.return?.().catch(ignore);
      };
    },
  };
}

async function pump(iterator: AsyncIterator<Uint8Array>, sink: ChunkSink, flow: { stopped: boolean }): Promise<void> {
  try {
    while (!flow.stopped) {
      const step = await iterator.next();
      if (flow.stopped) return;
      if (step.done) return sink.end();
      sink.chunk(step.value);
    }
  } catch (error) {
    if (!flow.stopped) sink.fail(error);
  }
}

function ignore(): void {}
