/**
 * Test helpers for the log writer: temp dirs, reading logs back, and a
 * {@link LogIo} that fails the way a full or broken disk does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeIo, type LogIo } from './_log_io.js';

/** A Node.js-style system error. */
export function sysError(code: string): Error {
  return Object.assign(new Error(`${code} (injected)`), { code });
}

/** A fresh temp dir with the log path inside it. */
export function tempDir(): { dir: string; log: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nsproc-audit-'));
  return { dir, log: join(dir, 'audit.log'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A log file's lines, without the final newline. */
export function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** The audit serial of each line. */
export function serials(lines: readonly string[]): number[] {
  return lines.map((l) => Number(/msg=audit\(\d+\.\d{3}:(\d+)\)/.exec(l)![1]));
}

/** A {@link LogIo} with switchable faults, see {@link faultyIo}. */
export interface FaultyIo extends LogIo {
  /** Bytes write(2) still accepts before it fails with `writeError` (Infinity: never). */
  writeBudget: number;
  writeError: string;
  fsyncError: string | null;
  truncateError: string | null;
  openError: string | null;
  /** rename(2) fails with `code` when its source path ends with `from`. */
  renameError: { from: string; code: string } | null;
  fsyncCalls: number;
}

/** The real file system, with switchable faults. A write that crosses the budget is short, the next one fails. */
export function faultyIo(): FaultyIo {
  const io: FaultyIo = {
    ...nodeIo,
    writeBudget: Infinity, writeError: 'ENOSPC', fsyncError: null, truncateError: null, openError: null,
    renameError: null, fsyncCalls: 0,
    writeSync(fd, buf, offset, length) {
      if (io.writeBudget <= 0) throw sysError(io.writeError);
      const n = nodeIo.writeSync(fd, buf, offset, Math.min(length, io.writeBudget));
      io.writeBudget -= n;
      return n;
    },
    fsyncSync(fd) {
      io.fsyncCalls++;
      if (io.fsyncError !== null) throw sysError(io.fsyncError);
      nodeIo.fsyncSync(fd);
    },
    ftruncateSync(fd, len) {
      if (io.truncateError !== null) throw sysError(io.truncateError);
      nodeIo.ftruncateSync(fd, len);
    },
    openSync(path, flags, mode) {
      if (io.openError !== null) throw sysError(io.openError);
      return nodeIo.openSync(path, flags, mode);
    },
    renameSync(from, to) {
      if (io.renameError !== null && from.endsWith(io.renameError.from)) throw sysError(io.renameError.code);
      nodeIo.renameSync(from, to);
    },
  };
  return io;
}
