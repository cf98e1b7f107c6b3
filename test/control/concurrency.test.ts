/**
 * Several writers and readers at once on one mount: each writer gets the
 * answers to its own commands (they live on its open file), every pid handed
 * out is unique and there until exited, and a reader never sees half of a
 * command.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type MountedDaemon } from '../helpers/mounted.js';
import { bash, bashOk } from './_helpers.js';

let m: MountedDaemon;
beforeAll(async () => { m = await startDaemon(); });
afterAll(async () => { await m?.stop(); });

const LOOPS = 4;
const ROUNDS = 25;

describe('concurrent control-file writers', () => {
  it('each of 4 bash loops gets its own results: unique pids, children of its own parent, there until exited', async () => {
    // Each loop clones under its own parent, so an answer meant for another loop would show the wrong PPid.
    const loop = `
      parent=$(nsctl clone 1 0)
      for i in $(seq ${ROUNDS}); do
        p=$(nsctl clone $parent net) || { echo "FAIL clone"; continue; }
        ppid=$(awk '/^PPid:/ {print $2}' $M/$p/status)
        [ "$ppid" = "$parent" ] || echo "WRONG $p has PPid $ppid, not $parent"
        echo "PID $p"
        [ -d $M/$p ] || echo "MISSING $p"
        nsctl exit $p >/dev/null || echo "FAIL exit $p"
        [ ! -e $M/$p ] || echo "STILL $p"
      done`;
    const results = await Promise.all(Array.from({ length: LOOPS }, () => bash(m, loop, 60_000)));
    const all: string[] = [];
    for (const r of results) {
      expect(r.stderr).toBe('');
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      expect(lines.filter((l) => !l.startsWith('PID '))).toEqual([]);
      expect(lines).toHaveLength(ROUNDS);
      all.push(...lines.map((l) => l.slice(4)));
    }
    expect(new Set(all).size).toBe(LOOPS * ROUNDS);
  });

  it('a batch written by one process is answered to that process only, whole', async () => {
    const batch = Array.from({ length: 200 }, () => 'clone 1 0').join('\\n');
    const one = `printf '${batch}\\n' | nsctl - | tr '\\n' ' '`;
    const outs = await Promise.all(Array.from({ length: LOOPS }, () => bashOk(m, one, 60_000)));
    const lists = outs.map((o) => o.trim().split(' ').map(Number));
    await bashOk(m, `printf 'exit %s\\n' ${lists.flat().join(' ')} | nsctl - >/dev/null`, 60_000);
    for (const l of lists) {
      expect(l).toHaveLength(200);
      // A batch runs as one write: its pids are consecutive, never interleaved with another batch's.
      expect(l.every((p, i) => p === l[0]! + i)).toBe(true);
    }
    expect(new Set(lists.flat()).size).toBe(LOOPS * 200);
  });
});

describe('readers during writes', () => {
  it('never see half of a command: one read of status shows uid, gid and capabilities of one setcred', async () => {
    const x = (await bashOk(m, 'nsctl clone 1 0')).trim();
    const writer = bash(m, `
      for i in $(seq 40); do
        nsctl setcred ${x} uid=1000 gid=1000 >/dev/null
        nsctl setcred ${x} uid=0 gid=0 >/dev/null
      done`, 60_000);
    // mapfile reads the file through one open: one snapshot.
    const reader = bash(m, `
      n=0
      while [ $n -lt 300 ]; do
        mapfile -t s < $M/${x}/status || { echo "READ FAILED"; break; }
        uid= gid= cap=
        for l in "\${s[@]}"; do
          IFS=$'\\t' read -r k v _ <<<"$l"
          case $k in Uid:) uid=$v ;; Gid:) gid=$v ;; CapEff:) cap=$v ;; esac
        done
        case "$uid:$gid:$cap" in
          0:0:0000003fffffffff|1000:1000:0000000000000000) ;;
          *) echo "TORN uid=$uid gid=$gid cap=$cap" ;;
        esac
        n=$((n + 1))
      done
      echo "read $n"`, 60_000);
    const [w, r] = await Promise.all([writer, reader]);
    expect(w.code).toBe(0);
    expect(r.stdout).toBe('read 300\n');
  });

  it('never see half of a clone: a new task already has all its new namespaces', async () => {
    const marker = Number((await bashOk(m, 'nsctl clone 1 0')).trim());
    const flag = path.join(m.dir, 'writer-done');
    const writer = bash(m, `
      for i in $(seq 40); do nsctl clone 1 net,mnt,uts >/dev/null; done; echo done; touch ${flag}`, 60_000);
    // clone 1 net,mnt,uts makes mnt, uts, net with three consecutive serials: a task seen with
    // anything else (pid 1's net 7, say) would be a clone half done. The reader goes on until
    // the writer is done (however slow the machine), then reads once more.
    const reader = bash(m, `
      seen=0 last=
      while [ -z "$last" ]; do
        [ -e ${flag} ] && last=1
        for d in $M/[0-9]*; do
          p=\${d##*/}; [ "$p" -gt ${marker} ] || continue
          { read -r mnt < $d/ns/mnt_snum && read -r net < $d/ns/net_snum; } 2>/dev/null || continue
          seen=$((seen + 1))
          [ $((16#$net)) -eq $((16#$mnt + 2)) ] || echo "HALF $p mnt=$mnt net=$net"
        done
      done
      echo "seen $seen"`, 60_000);
    const [w, r] = await Promise.all([writer, reader]);
    expect(w.stdout).toBe('done\n');
    expect(r.stdout).toMatch(/^seen [1-9]\d*\n$/);
  });
});
