/**
 * What a reader of the log that follows it as it grows is told (src/fleet/ forwards the
 * log this way): sizes only, after the fact, synchronously from the writer. A sink does
 * no more than note them and schedule its own work: it runs on the acknowledgement path.
 */
export interface LogSink {
  /** The log was opened; its current file holds `size` bytes of whole lines. */
  opened(size: number): void;
  /** An append was written: the current file now holds `size` bytes of whole lines. */
  appended(size: number): void;
  /** The current file was rotated away holding `size` bytes; a new, empty current file is open at the log's path. */
  rotated(size: number): void;
}
