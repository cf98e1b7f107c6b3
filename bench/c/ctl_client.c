/*
 * The bench's nsctl client (R2): clone+exit pairs through the control file,
 * on one open file, K commands per write(2): first K clones (reading back K
 * pids), then the K matching exits (reading back K "ok").
 *
 *   ctl_client NSCTL PAIRS K FLAGS [look]
 *
 * With `look`, every new pid's directory is stat'ed before the exits are sent, so the
 * kernel caches its entry and each exit write must invalidate it before it is answered.
 * Prints "pairs N secs S". Exits 1 on the first error answer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fd;
static char *out;
static size_t out_cap;

/* Reads answers until `lines` newlines arrived; returns the text (NUL-terminated). */
static char *answers(long lines) {
  size_t len = 0;
  long seen = 0;
  while (seen < lines) {
    if (out_cap - len < 65536) { out_cap = out_cap * 2 + 65536; out = realloc(out, out_cap); }
    ssize_t n = read(fd, out + len, out_cap - len - 1);
    if (n <= 0) { fprintf(stderr, "ctl_client: answer cut short after %ld lines\n", seen); exit(1); }
    for (ssize_t k = 0; k < n; k++) if (out[len + k] == '\n') seen++;
    len += (size_t)n;
  }
  out[len] = 0;
  if (strstr(out, "error:")) { fprintf(stderr, "ctl_client: %s", out); exit(1); }
  return out;
}

static void send_all(const char *buf, size_t len) {
  ssize_t n = write(fd, buf, len);
  if (n != (ssize_t)len) {
    answers(1);
    fprintf(stderr, "ctl_client: write failed\n");
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 5 && !(argc == 6 && strcmp(argv[5], "look") == 0)) { fprintf(stderr, "usage: ctl_client NSCTL PAIRS K FLAGS [look]\n"); return 2; }
  long pairs = atol(argv[2]), k = atol(argv[3]);
  const char *flags = argv[4];
  int look = argc == 6;
  /* The mount: NSCTL without its last component. */
  char mnt[4096];
  snprintf(mnt, sizeof mnt, "%s", argv[1]);
  char *slash = strrchr(mnt, '/');
  if (slash) *slash = 0;
  if (pairs < 1 || k < 1) { fprintf(stderr, "ctl_client: bad PAIRS or K\n"); return 2; }
  fd = open(argv[1], O_RDWR);
  if (fd < 0) { perror(argv[1]); return 1; }
  char *cmd = malloc((size_t)k * 64 + 1);
  long *pids = malloc((size_t)k * sizeof *pids);
  double t0 = now();
  for (long done = 0; done < pairs; done += k) {
    long n = pairs - done < k ? pairs - done : k;
    size_t len = 0;
    for (long i = 0; i < n; i++) len += (size_t)sprintf(cmd + len, "clone 1 %s\n", flags);
    send_all(cmd, len);
    char *a = answers(n);
    for (long i = 0; i < n; i++) { pids[i] = strtol(a, &a, 10); a++; }
    for (long i = 0; look && i < n; i++) {
      char p[4200];
      struct stat st;
      snprintf(p, sizeof p, "%s/%ld", mnt, pids[i]);
      if (stat(p, &st) != 0) { perror(p); exit(1); }
    }
    len = 0;
    for (long i = 0; i < n; i++) len += (size_t)sprintf(cmd + len, "exit %ld\n", pids[i]);
    send_all(cmd, len);
    answers(n);
  }
  double secs = now() - t0;
  close(fd);
  printf("pairs %ld secs %.6f\n", pairs, secs);
  return 0;
}
