/**
 * Kernel error values. One table maps each errno name to its Linux number and
 * the C library's message; every layer returns a {@link KernelError} and only
 * the edges (FUSE adapter, nsctl output) turn it into a number or a line.
 */

/** errno name → [Linux x86-64 number, strerror(3) text]. */
export const ERRNO = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EIO: [5, 'Input/output error'],
  EBADF: [9, 'Bad file descriptor'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EEXIST: [17, 'File exists'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EINVAL: [22, 'Invalid argument'],
  EFBIG: [27, 'File too large'],
  ENOSPC: [28, 'No space left on device'],
  EROFS: [30, 'Read-only file system'],
  ENOSYS: [38, 'Function not implemented'],
  ENOTEMPTY: [39, 'Directory not empty'],
  EOVERFLOW: [75, 'Value too large for defined data type'],
  EUSERS: [87, 'Too many users'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  ECONNREFUSED: [111, 'Connection refused'],
  EDQUOT: [122, 'Disk quota exceeded'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoName = keyof typeof ERRNO;

/** An expected failure: the errno a kernel would return and a sentence for a person. */
export interface KernelError {
  readonly errno: ErrnoName;
  readonly detail: string;
}

/** A value or the kernel error that prevented it. Expected failures are returned, never thrown. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KernelError };

/**
 * @example
 * const r = fail('ESRCH', 'no task with pid 99999');
 * // r.ok === false, r.error.errno === 'ESRCH'
 */
export function fail<T = never>(errno: ErrnoName, detail: string): Result<T> {
  return { ok: false, error: { errno, detail } };
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** The positive Linux errno number, e.g. 1 for EPERM. */
export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name][0];
}

/** The errno name for a Node.js system error code ('ENOSPC' …), EIO when unknown. */
export function errnoFromNode(code: string | undefined): ErrnoName {
  return code !== undefined && code in ERRNO ? (code as ErrnoName) : 'EIO';
}

/** `EPERM: detail` — the form nsctl prints after `error: `. */
export function formatError(e: KernelError): string {
  return `${e.errno}: ${e.detail}`;
}
