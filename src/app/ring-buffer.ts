// A fixed-capacity ring buffer addressed by sequence number, so a view can anchor on a line while older ones drop.
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private count = 0;
  /** Sequence number the next pushed item gets; the oldest kept item is `next - length`. */
  private next = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('ring buffer capacity must be positive');
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Sequence number of the oldest item still kept. */
  get first(): number {
    return this.next - this.count;
  }

  /** Sequence number one past the newest item. */
  get end(): number {
    return this.next;
  }

  push(item: T): void {
    const slot = (this.head + this.count) % this.capacity;
    this.items[slot] = item;
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
    this.next++;
  }

  pushAll(items: readonly T[]): void {
    // Only the last `capacity` items can survive; skip the rest without touching the array.
    const skip = Math.max(0, items.length - this.capacity);
    if (skip) {
      this.next += skip;
      this.head = (this.head + this.count) % this.capacity;
      this.count = 0;
    }
    for (let i = skip; i < items.length; i++) this.push(items[i]!);
  }

  /** The item with this sequence number, or undefined when it was dropped or not yet pushed. */
  at(seq: number): T | undefined {
    if (seq < this.first || seq >= this.next) return undefined;
    return this.items[(this.head + (seq - this.first)) % this.capacity];
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
