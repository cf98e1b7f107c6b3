/*
 * R6's load: N unshare(CLONE_NEWUTS) calls in one process, at RATE per second (0: as fast
 * as it can). Each is one audited syscall when an exit rule for unshare is loaded; each makes
 * a new uts namespace and frees the one before. Prints "calls seconds user_s sys_s".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: unshare_loop N RATE\n");
    return 2;
  }
  long n = atol(argv[1]);
  double rate = atof(argv[2]);
  double t0 = now();
  for (long i = 0; i < n; i++) {
    if (unshare(CLONE_NEWUTS) != 0) {
      perror("unshare");
      return 1;
    }
    if (rate > 0) {
      double due = t0 + (i + 1) / rate;
      double wait = due - now();
      if (wait > 0) {
        struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
        nanosleep(&ts, NULL);
      }
    }
  }
  double secs = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%ld %.6f %.6f %.6f\n", n, secs, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  return 0;
}
