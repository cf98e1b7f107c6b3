/*
 * The bench's reader (R1): does one kind of file operation in a loop over a
 * list of paths, in P processes at once, for a fixed time or a fixed count,
 * and prints how many it did. Its own cost per operation is a few syscalls'
 * worth of user time, the same whatever file system it reads.
 *
 *   reader MODE PROCS MS_OR_COUNT PATHFILE
 *
 * MODE:  statread   stat + open + read + close (one operation)
 *        read       open + read + close
 *        readlink   readlink
 * MS_OR_COUNT: "2000ms" runs each process for 2000 ms; "500" does 500
 * operations in each process.
 * Prints one line: "ops N secs S errors E bytes B".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **paths;
static size_t n_paths;

static void load(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) { perror(file); exit(2); }
  char *line = NULL;
  size_t cap = 0, room = 0;
  ssize_t got;
  while ((got = getline(&line, &cap, f)) > 0) {
    if (line[got - 1] == '\n') line[--got] = 0;
    if (got == 0) continue;
    if (n_paths == room) { room = room ? room * 2 : 1024; paths = realloc(paths, room * sizeof *paths); }
    paths[n_paths++] = strdup(line);
  }
  free(line);
  fclose(f);
  if (n_paths == 0) { fprintf(stderr, "reader: no paths in %s\n", file); exit(2); }
}

enum mode { STATREAD, READ, READLINK };

/* One operation; returns bytes seen, or -1 on an error. */
static long op(enum mode m, const char *p) {
  char buf[4096];
  struct stat st;
  long n;
  switch (m) {
    case READLINK:
      n = readlink(p, buf, sizeof buf);
      return n;
    case STATREAD:
      if (stat(p, &st) != 0) return -1;
      /* fall through */
    case READ: {
      int fd = open(p, O_RDONLY);
      if (fd < 0) return -1;
      n = read(fd, buf, sizeof buf);
      close(fd);
      return n;
    }
  }
  return -1;
}

struct tally { uint64_t ops, errors, bytes; double secs; };

static struct tally worker(enum mode m, size_t start, int timed, double limit) {
  struct tally t = {0, 0, 0, 0};
  size_t i = start % n_paths;
  double t0 = now(), end = t0 + limit;
  for (;;) {
    if (timed ? (t.ops & 15) == 0 && now() >= end : t.ops >= (uint64_t)limit) break;
    long n = op(m, paths[i]);
    if (n < 0) t.errors++; else t.bytes += (uint64_t)n;
    t.ops++;
    if (++i == n_paths) i = 0;
  }
  t.secs = now() - t0;
  return t;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: reader statread|read|readlink PROCS MS_OR_COUNT PATHFILE\n");
    return 2;
  }
  enum mode m;
  if (strcmp(argv[1], "statread") == 0) m = STATREAD;
  else if (strcmp(argv[1], "read") == 0) m = READ;
  else if (strcmp(argv[1], "readlink") == 0) m = READLINK;
  else { fprintf(stderr, "reader: unknown mode %s\n", argv[1]); return 2; }
  int procs = atoi(argv[2]);
  size_t ml = strlen(argv[3]);
  int timed = ml > 2 && strcmp(argv[3] + ml - 2, "ms") == 0;
  double limit = timed ? atof(argv[3]) / 1000.0 : atof(argv[3]);
  if (procs < 1 || limit <= 0) { fprintf(stderr, "reader: bad PROCS or MS_OR_COUNT\n"); return 2; }
  load(argv[4]);

  int go[2], back[2];
  if (pipe(go) != 0 || pipe(back) != 0) { perror("pipe"); return 1; }
  for (int k = 0; k < procs; k++) {
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
      close(go[1]);
      char c;
      /* Start together: the parent closes the pipe. */
      while (read(go[0], &c, 1) > 0) {}
      struct tally t = worker(m, (n_paths * (size_t)k) / (size_t)procs, timed, limit);
      if (write(back[1], &t, sizeof t) != (ssize_t)sizeof t) _exit(1);
      _exit(0);
    }
  }
  close(go[0]);
  close(back[1]);
  double t0 = now();
  close(go[1]);
  struct tally sum = {0, 0, 0, 0};
  double longest = 0;
  for (int k = 0; k < procs; k++) {
    struct tally t;
    if (read(back[0], &t, sizeof t) != (ssize_t)sizeof t) { fprintf(stderr, "reader: a worker died\n"); return 1; }
    sum.ops += t.ops; sum.errors += t.errors; sum.bytes += t.bytes;
    if (t.secs > longest) longest = t.secs;
  }
  double wall = now() - t0;
  while (wait(NULL) > 0) {}
  /* Timed runs: every worker ran for the same span; counted runs: the slowest bounds the rate. */
  printf("ops %llu secs %.6f errors %llu bytes %llu wall %.6f\n", (unsigned long long)sum.ops, longest,
         (unsigned long long)sum.errors, (unsigned long long)sum.bytes, wall);
  return 0;
}
