// Timing of K back-to-back GPU operations on one device queue, and the alternating sample loop.
//
// With timestamp-query, a sample is bracketed by two empty compute passes on the same queue: one
// that writes a timestamp at its start, submitted before the K operations, and one that writes a
// timestamp at its end, submitted after them. Both are ordered on the queue with the work between,
// so the difference covers exactly those K operations as the GPU ran them, and nothing of upload or
// readback. Without timestamp-query the sample is wall time from an idle queue to
// queue.onSubmittedWorkDone() after the K operations.

/** Something that puts `k` operations on the device's queue and makes sure they are submitted. */
export interface Contender {
  run(k: number): Promise<void>;
  dispose(): void;
}

export type TimingMethod = 'timestamp-query' | 'onSubmittedWorkDone';

export class GpuClock {
  readonly method: TimingMethod;
  private readonly querySet?: GPUQuerySet;
  private readonly resolve?: GPUBuffer;
  private readonly staging?: GPUBuffer;

  constructor(private readonly device: GPUDevice) {
    this.method = device.features.has('timestamp-query') ? 'timestamp-query' : 'onSubmittedWorkDone';
    if (this.method === 'timestamp-query') {
      this.querySet = device.createQuerySet({ label: 'bench clock', type: 'timestamp', count: 2 });
      this.resolve = device.createBuffer({
        label: 'bench clock resolve',
        size: 16,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      this.staging = device.createBuffer({
        label: 'bench clock staging',
        size: 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    }
  }

  /** Milliseconds for the whole of `contender.run(k)` on the GPU. */
  async time(contender: Contender, k: number): Promise<number> {
    const queue = this.device.queue;
    await queue.onSubmittedWorkDone();
    const start = performance.now();
    if (this.querySet) this.mark({ querySet: this.querySet, beginningOfPassWriteIndex: 0 });
    await contender.run(k);
    if (!this.querySet) {
      await queue.onSubmittedWorkDone();
      return performance.now() - start;
    }
    const encoder = this.mark({ querySet: this.querySet, endOfPassWriteIndex: 1 }, false);
    encoder.resolveQuerySet(this.querySet, 0, 2, this.resolve!, 0);
    encoder.copyBufferToBuffer(this.resolve!, 0, this.staging!, 0, 16);
    queue.submit([encoder.finish()]);
    await this.staging!.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigInt64Array(this.staging!.getMappedRange().slice(0));
    this.staging!.unmap();
    const ms = Number(end! - begin!) / 1e6;
    if (!(ms > 0)) {
      throw new Error(`bench clock: timestamps ${begin} → ${end} do not bracket the work (the adapter's timestamps are unusable)`);
    }
    return ms;
  }

  private mark(timestampWrites: GPUComputePassTimestampWrites, submit = true): GPUCommandEncoder {
    const encoder = this.device.createCommandEncoder({ label: 'bench clock' });
    encoder.beginComputePass({ label: 'bench clock', timestampWrites }).end();
    if (submit) this.device.queue.submit([encoder.finish()]);
    return encoder;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolve?.destroy();
    this.staging?.destroy();
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A contender's times in milliseconds per operation, sample by sample, or why it stopped. */
export type Samples = { readonly ms: number[] } | { readonly error: string };

/**
 * Times each contender `samples` times, K operations per sample, interleaved (A B C A B C …) so that
 * slow phases of a shared machine fall on all of them alike. A contender that throws is dropped
 * from the rest of the rounds with its error; the others go on.
 */
export async function sampleAlternating<Label extends string>(
  clock: GpuClock,
  contenders: ReadonlyMap<Label, Contender>,
  k: number,
  samples: number,
  warmups: number,
): Promise<Map<Label, Samples>> {
  const results = new Map<Label, Samples>([...contenders.keys()].map((label) => [label, { ms: [] }]));
  const round = async (ops: number, record: boolean) => {
    for (const [label, contender] of contenders) {
      const so = results.get(label)!;
      if ('error' in so) continue;
      try {
        const ms = await clock.time(contender, ops);
        if (record) so.ms.push(ms / ops);
      } catch (e) {
        results.set(label, { error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  for (let w = 0; w < warmups; w++) await round(1, false);
  for (let s = 0; s < samples; s++) await round(k, true);
  return results;
}

/** Lets every queued microtask (the library's batched submit) and macrotask-deferred submit run. */
export function afterPendingSubmits(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
