/**
 * R4, the audit log: records per second through AuditLog.appendEvents() for
 * each flush mode (write, sync), one record per call and 1000 per call, into
 * a file in the bench's scratch directory. The baseline is the same bytes
 * written with plain fs.writeSync in the same sized chunks (the disk's and
 * the kernel's share), so the ratio is what formatting and bookkeeping cost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog, type FlushMode } from '../src/audit/log_writer.js';
import { realClock } from '../src/audit/clock.js';
import type { ModelEvent } from '../src/model/events.js';
import { profileTypes } from '../src/model/nstypes.js';
import type { BenchConfig } from './_config.js';
import { row, type Row } from './_table.js';

const GOAL = 200_000;

function events(n: number): ModelEvent[] {
  const net = profileTypes('v5').byName.get('net')!;
  const actor = { pid: 481, uid: 0, auid: 4294967295, ses: 4294967295, subj: 'system_u:system_r:init_t:s0' };
  return Array.from({ length: n }, (_, i) => ({ kind: 'ns-created', type: net, snum: BigInt(8 + i), oldSnum: 7n, actor }));
}

function viaLog(file: string, flush: FlushMode, per: number, total: number): { rate: number; bytes: number } {
  fs.rmSync(file, { force: true });
  const opened = AuditLog.open({ path: file, flush, clock: realClock });
  if (!opened.ok) throw new Error(opened.error.detail);
  const log = opened.value;
  const batch = events(per);
  const t0 = performance.now();
  for (let done = 0; done < total; done += per) {
    const r = log.appendEvents(batch);
    if (!r.ok) throw new Error(r.error.detail);
  }
  const ms = performance.now() - t0;
  const bytes = log.currentSize;
  log.close();
  return { rate: (total * 1000) / ms, bytes };
}

function rawWrites(file: string, flush: FlushMode, per: number, total: number, bytesPerRecord: number): number {
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  const chunk = Buffer.alloc(Math.round(bytesPerRecord * per), 'x');
  const t0 = performance.now();
  for (let done = 0; done < total; done += per) {
    fs.writeSync(fd, chunk);
    if (flush === 'sync') fs.fsyncSync(fd);
  }
  const ms = performance.now() - t0;
  fs.closeSync(fd);
  return (total * 1000) / ms;
}

export function benchAudit(cfg: BenchConfig, dir: string, log: (s: string) => void): Row[] {
  const rows: Row[] = [];
  const file = path.join(dir, 'r4-audit.log');
  for (const flush of ['write', 'sync'] as const) {
    for (const per of [1, 1000]) {
      // One fsync per record is slow on any disk: fewer of those.
      const total = flush === 'sync' && per === 1 ? Math.max(10, Math.floor(cfg.r4.records / 200)) : cfg.r4.records;
      let best = 0;
      let bytes = 0;
      for (let r = 0; r < cfg.rounds; r++) {
        const v = viaLog(file, flush, per, total);
        best = Math.max(best, v.rate);
        bytes = v.bytes;
      }
      let raw = 0;
      for (let r = 0; r < cfg.rounds; r++) raw = Math.max(raw, rawWrites(file, flush, per, total, bytes / total));
      const goal = flush === 'write' && per === 1000;
      log(`R4 ${flush} ×${per}: ${best.toFixed(0)} records/s (raw writes ${raw.toFixed(0)})`);
      rows.push(row({ id: `R4.${flush}.${per}`, metric: `R4 audit records/s, flush ${flush}, ${per} per appendEvents vs raw write(2) of the same bytes`,
        nsproc: best, baseline: raw, ...(goal ? { goal: `≥ ${GOAL.toLocaleString('en-US')}/s`, pass: best >= GOAL } : {}) }));
    }
  }
  fs.rmSync(file, { force: true });
  return rows;
}
