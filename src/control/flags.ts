/**
 * Namespace flag words and entry names as nsctl accepts them:
 * `CLONE_NEWNET|CLONE_NEWNS`, `net,mnt`, `0x40020000`, or `0` for none.
 */
import { fail, ok, type Result } from '../model/errno.js';
import type { NsType, ProfileTypes } from '../model/nstypes.js';

/**
 * @example
 * parseFlags('net,mnt', profileTypes('v5')) // ok(0x40020000)
 */
export function parseFlags(text: string, pt: ProfileTypes): Result<number> {
  if (text === '0') return ok(0);
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) {
    const v = Number.parseInt(text.slice(2), 16);
    const unknown = (v & ~pt.cloneNewMask) >>> 0;
    if (unknown !== 0) return fail('EINVAL', `flags ${text} hold bits 0x${unknown.toString(16)} that are not CLONE_NEW* flags of profile ${pt.profile}`);
    return ok(v);
  }
  let flags = 0;
  for (const token of text.split(/[|,]/)) {
    const type = typeOf(token, pt);
    if (!type.ok) return type;
    flags |= type.value.flag;
  }
  return ok(flags >>> 0);
}

/** A type by its name (`net`) or flag name (`CLONE_NEWNET`). */
export function typeOf(token: string, pt: ProfileTypes): Result<NsType> {
  const type = pt.byName.get(token) ?? pt.types.find((t) => t.flagName === token);
  if (type) return ok(type);
  return fail('EINVAL', `unknown namespace flag '${token}' (profile ${pt.profile} has ${pt.types.map((t) => t.name).join(', ')})`);
}

/**
 * A setns/pin TYPE: `0` (any), a type or flag name, a one-bit hex flag, or a
 * `*_for_children` entry. Returns the `ns/` entry it names and its type.
 */
export function parseEntry(text: string, pt: ProfileTypes): Result<{ entry: string; type: NsType } | null> {
  if (text === '0') return ok(null);
  const fc = /^([a-z]+)_for_children$/.exec(text);
  if (fc) {
    const type = pt.byName.get(fc[1]!);
    if (type?.forChildren) return ok({ entry: text, type });
    return fail('EINVAL', `'${text}' is not a namespace entry`);
  }
  const flags = parseFlags(text, pt);
  if (!flags.ok) return flags;
  // setns(2) takes nstype as a number: 0x0 is 0 (any type), as `0` is.
  if (flags.value === 0) return ok(null);
  const type = pt.byFlag.get(flags.value);
  if (!type) return fail('EINVAL', `'${text}' must name exactly one namespace type`);
  return ok({ entry: type.name, type });
}
