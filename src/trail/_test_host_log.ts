/**
 * A hand-written host-mode log (SPEC §7–§9 formats, as the contract gives them): a daemon
 * start with NS_GET_ID serials, a docker container cloned by runc (a kernel clone event with
 * nsproc's INIT/NS_INFO inside), its NSPROC_CONTAINER record, an admin's nsenter (setns event,
 * auid 1000), a kernel event inside the container, lost kernel events, a gap in nsproc's own
 * serials, a syscall whose new namespaces nsproc could not read, records a full log lost, and
 * the container's end.
 */
export const DOCKER_ID = '3f4e9a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab';
export const HOST_BOOT = 'b0000000-0000-4000-8000-000000000001';

const own = (n: number) => 2147483648 + n;
const subj = 'uid=0 auid=4294967295 ses=4294967295 subj=unconfined';
const INIT_NS = 'netns=4000000a utsns=4000000b ipcns=4000000c pidns=4000000d userns=4000000e mntns=4000000f';
const CT_NS = 'netns=40000024 utsns=40000022 ipcns=40000023 pidns=40000021 userns=4000000e mntns=40000020';
const sys = (serial: number, t: string, rest: string) =>
  `node=h1 type=SYSCALL msg=audit(${t}:${serial}): arch=c000003e ${rest} tty=(none) key="nsproc"`;

export const HOST_LOG: readonly string[] = [
  `node=h1 type=DAEMON_START msg=audit(1796000000.000:${own(0)}): op=start ver=0.1.0 format=raw kernel=6.18.44 ns_serials=ns_get_id boot_id=${HOST_BOOT} auid=4294967295 pid=100 uid=0 ses=4294967295 subj=unconfined res=success`,
  ...['net:a', 'uts:b', 'ipc:c', 'pid:d', 'user:e', 'mnt:f'].map((tn, i) => {
    const [t, s] = tn.split(':');
    return `node=h1 type=AUDIT_NS_INIT_${t!.toUpperCase()} msg=audit(1796000000.000:${own(1 + i)}): pid=1 ${subj} old_${t}ns=0 ${t}ns=400000${s!.padStart(2, '0')} res=1`;
  }),
  `node=h1 type=NS_INFO msg=audit(1796000000.000:${own(7)}): pid=1 ${INIT_NS}`,
  sys(1200, '1796000001.000', 'syscall=56 success=yes exit=600 a0=6c020000 a1=0 a2=0 a3=0 items=0 ppid=400 pid=500 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 ses=4294967295 comm="runc" exe="/usr/bin/runc"'),
  ...['mnt:20:f', 'uts:22:b', 'ipc:23:c', 'pid:21:d', 'net:24:a'].map((x) => {
    const [t, s, o] = x.split(':');
    return `node=h1 type=AUDIT_NS_INIT_${t!.toUpperCase()} msg=audit(1796000001.000:1200): pid=600 ${subj} old_${t}ns=400000${o!.padStart(2, '0')} ${t}ns=400000${s} res=1`;
  }),
  `node=h1 type=NS_INFO msg=audit(1796000001.000:1200): pid=600 ${CT_NS}`,
  'node=h1 type=PROCTITLE msg=audit(1796000001.000:1200): proctitle=72756E63',
  'node=h1 type=EOE msg=audit(1796000001.000:1200):',
  `node=h1 type=NSPROC_CONTAINER msg=audit(1796000001.100:${own(8)}): pid=600 runtime=docker container=${DOCKER_ID} cgroup="/system.slice/docker-${DOCKER_ID}.scope" ${CT_NS}`,
  sys(1300, '1796000002.000', 'syscall=308 success=yes exit=0 a0=3 a1=40000000 a2=0 a3=0 items=0 ppid=650 pid=700 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 ses=7 comm="nsenter" exe="/usr/bin/nsenter"'),
  `node=h1 type=NS_INFO msg=audit(1796000002.000:1300): pid=700 netns=40000024 utsns=4000000b ipcns=4000000c pidns=4000000d userns=4000000e mntns=4000000f`,
  'node=h1 type=EOE msg=audit(1796000002.000:1300):',
  sys(1310, '1796000002.500', 'syscall=272 success=yes exit=0 a0=20000 a1=0 a2=0 a3=0 items=0 ppid=600 pid=600 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 ses=4294967295 comm="sh" exe="/bin/sh"'),
  `node=h1 type=NS_INFO msg=audit(1796000002.500:1310): pid=600 ${CT_NS}`,
  `node=h1 type=NSPROC_KERNEL_LOST msg=audit(1796000003.000:${own(9)}): reason=gap first=1311 last=1315 count=5`,
  sys(1320, '1796000003.200', 'syscall=272 success=yes exit=0 a0=40020000 a1=0 a2=0 a3=0 items=0 ppid=600 pid=601 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 ses=4294967295 comm="unshare" exe="/usr/bin/unshare"'),
  'node=h1 type=NSPROC_NS_UNSEEN msg=audit(1796000003.200:1320): pid=601 syscall=unshare types=net,mnt comm="unshare" exe="/usr/bin/unshare"',
  `node=h1 type=NSPROC_LOG_LOST msg=audit(1796000003.500:${own(10)}): lost=3 first=1796000003.300 last=1796000003.400 errno=ENOSPC`,
  ...['mnt:20', 'uts:22', 'ipc:23', 'net:24', 'pid:21'].map((x, i) => {
    const [t, s] = x.split(':');
    return `node=h1 type=AUDIT_NS_DEL_${t!.toUpperCase()} msg=audit(1796000004.000:${own(12 + i)}): pid=600 ${subj} ${t}ns=400000${s} res=1`;
  }),
];
