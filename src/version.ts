/** nsproc's version, as DAEMON_START's `ver=` names it (package.json's). */
export const NSPROC_VERSION = '0.1.0';
