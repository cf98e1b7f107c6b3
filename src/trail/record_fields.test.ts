import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerFields, daemonFields, delFields, initFields, nsFields, nsInfoHead, virtFields } from './record_fields.js';

/** A line and the index of its first field. */
const at = (line: string): [string, number] => [line, line.indexOf('): ') + 3];
const ID = 'ab'.repeat(32);

describe('record fields', () => {
  it('initFields reads the actor and both serials (the seed\'s clone record)', () => {
    expect(initFields(...at('type=AUDIT_NS_INIT_NET msg=audit(1408577535.306:81): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 old_netns=7 netns=8 res=1'), 'netns'))
      .toEqual({ pid: 481, uid: 0, auid: 4294967295, serial: '8', old: '7' });
  });

  it('initFields and delFields take fields in another order too, and refuse a record cut short', () => {
    expect(initFields(...at('type=AUDIT_NS_INIT_NET msg=audit(1.000:5): uid=0 pid=4 auid=1000 netns=c old_netns=7 res=1'), 'netns')).toEqual({ pid: 4, uid: 0, auid: 1000, serial: 'c', old: '7' });
    expect(initFields(...at('type=AUDIT_NS_INIT_NET msg=audit(1.000:5): pid=4 uid=0 auid=0 ses=1 subj=k old_netns=7 net'), 'netns')).toBeNull();
    expect(delFields(...at('type=AUDIT_NS_DEL_PID msg=audit(1.000:5): pid=4 uid=0 auid=0 ses=1 subj=k pidns=b res=1'), 'pidns')).toEqual({ pid: 4, uid: 0, auid: 0, serial: 'b' });
    expect(delFields(...at('type=AUDIT_NS_DEL_PID msg=audit(1.000:5): pid=4 uid=0 auid=0 ses=1 subj=k pidns=B res=1'), 'pidns')).toBeNull();
  });

  it('each decoder stops at the end of its line in a chunk: the next line\'s fields are not its own', () => {
    const lines = [
      'type=AUDIT_NS_DEL_NET msg=audit(1.000:5): pid=4 uid=0 auid=0 ses=1 subj=k',
      'netns=8 res=1',
      'type=AUDIT_NS_INIT_NET msg=audit(1.000:6): pid=4',
      'uid=0 auid=0 ses=1 subj=k old_netns=7 netns=8 res=1',
      "type=VIRT_CONTROL msg=audit(1.000:7): pid=1 uid=0 auid=0 ses=1 subj=k",
      "msg='virt=lxc op=init uuid=U'",
      'type=NS_INFO msg=audit(1.000:8): pid=4',
      'netns=c',
    ];
    const chunk = lines.join('\n');
    const line = (i: number): [string, number, number] => {
      const start = lines.slice(0, i).reduce((n, l) => n + l.length + 1, 0);
      return [chunk, chunk.indexOf('): ', start) + 3, start + lines[i]!.length];
    };
    const [t0, b0, e0] = line(0);
    const [t2, b2, e2] = line(2);
    const [t4, b4, e4] = line(4);
    const [t6, b6, e6] = line(6);
    expect([delFields(t0, b0, 'netns', e0), initFields(t2, b2, 'netns', e2), virtFields(t4, b4, e4), nsInfoHead(t6, b6, e6)]).toEqual([null, null, null, null]);
    // The same fields on one line are a record.
    expect(initFields(...at(`${lines[2]!} ${lines[3]!}`), 'netns')).toEqual({ pid: 4, uid: 0, auid: 0, serial: '8', old: '7' });
  });

  it('nsInfoHead reads the pid and where the namespaces begin; nsFields refuses a field it does not know', () => {
    const [line, body] = at('type=NS_INFO msg=audit(1.000:16): pid=4 netns=c utsns=9');
    const h = nsInfoHead(line, body)!;
    expect([h.pid, line.slice(h.tail)]).toEqual([4, 'netns=c utsns=9']);
    expect(nsFields('utsns=9 netns=c')).toEqual([{ typeIdx: 1, serial: '9' }, { typeIdx: 0, serial: 'c' }]);
    expect(nsFields('netns=c foons=1')).toBeNull();
    expect(nsFields('netns=c netns=d')).toBeNull();
  });

  it('virtFields reads libvirt\'s text as key=value pairs, vm="NAME" without quotes', () => {
    const v = virtFields(...at(`type=VIRT_CONTROL msg=audit(1.000:17): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=kernel msg='virt=lxc op=init vm="my web" uuid=U vm-pid=4 init-pid=4 pid-ns=4026531846'`))!;
    expect([v.pid, v.auid, v.f.get('op'), v.f.get('vm'), v.f.get('pid-ns')]).toEqual([1, 4294967295, 'init', 'my web', '4026531846']);
  });

  it('virtFields reads the pairs as the regular expression of their definition finds them, whatever the text', () => {
    const oracle = (text: string) => new Map([...text.matchAll(/([A-Za-z0-9_-]+)=("[^"]*"|'[^']*'|\S*)/g)].map((m) => [m[1]!, /^["']/.test(m[2]!) ? m[2]!.slice(1, -1) : m[2]!]));
    const unit = fc.constantFrom('a', 'Z', '9', '_', '-', '=', '"', ' ', '\t', '\u00a0', '\u3000', "'", '.', 'é');
    fc.assert(fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
      const v = virtFields(...at(`type=VIRT_CONTROL msg=audit(1.000:17): pid=1 uid=0 auid=0 ses=1 subj=k msg='${text}'`))!;
      expect([...v.f]).toEqual([...oracle(text)]);
    }), { numRuns: 2000 });
  });

  it('containerFields reads a quoted cgroup, a hex one (it held a blank), and the namespaces after it', () => {
    const q = containerFields(...at(`type=NSPROC_CONTAINER msg=audit(1.000:9): pid=600 runtime=docker container=${ID} cgroup="/system.slice/docker-${ID}.scope" netns=24 userns=e`))!;
    expect([q.runtime, q.id, q.cgroup, q.ns]).toEqual(['docker', ID, `/system.slice/docker-${ID}.scope`, [{ typeIdx: 0, serial: '24' }, { typeIdx: 4, serial: 'e' }]]);
    const hex = Buffer.from('/lxc.payload.my box').toString('hex').toUpperCase();
    expect(containerFields(...at(`type=NSPROC_CONTAINER msg=audit(1.000:9): pid=7 runtime=lxc container=box cgroup=${hex} netns=24`))?.cgroup).toBe('/lxc.payload.my box');
    expect(containerFields(...at('type=NSPROC_CONTAINER msg=audit(1.000:9): pid=7 runtime=lxc container=box'))).toBeNull();
  });

  it('daemonFields reads op= and boot_id=', () => {
    expect(daemonFields(...at('type=DAEMON_ROTATE msg=audit(1.000:9): op=rotate-logs ver=0.1.0 format=raw kernel=model-v5 ns_serials=model boot_id=B auid=4294967295 pid=1 uid=0 ses=4294967295 subj=kernel res=success')))
      .toEqual({ op: 'rotate-logs', bootId: 'B' });
  });
});
