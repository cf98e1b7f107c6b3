/*
 * Baseline (a) for bench R1: a minimal libfuse2 file system serving a fixed
 * tree from a dump file, so the kernel sees the same paths, modes, owners,
 * inode numbers and contents as on nsproc. The bench mounts it with nsproc's
 * FUSE options, multi-threaded like fuse-native (fuse_loop_mt via fuse_main).
 *
 *   baseline_fs DUMP MOUNTPOINT -f -o OPTIONS
 *
 * DUMP: one node per line, tab-separated:
 *   path kind mode uid gid ino nlink listed hexcontent
 * kind: d directory, f regular file, l symbolic link (content = target),
 * n nsfs file (open works, read fails with EINVAL, as fs/nsfs.c).
 * Directories come before their children. Nothing here changes after load,
 * so handlers need no locks.
 */
#define FUSE_USE_VERSION 29
#define _GNU_SOURCE
#include <fuse.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct node {
  char *path;
  char kind;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  uint64_t ino;
  nlink_t nlink;
  char *data;
  size_t len;
  int first_child; /* index of the first listed child, -1 if none */
  int next_sibling;
  int last_child;
  int listed;
};

static struct node *nodes;
static size_t n_nodes, cap_nodes;
static int32_t *table; /* open addressing: node index + 1, 0 = empty */
static size_t table_size;
static time_t start_time;

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int find(const char *path) {
  size_t i = hash(path) & (table_size - 1);
  for (;;) {
    int32_t v = table[i];
    if (v == 0) return -1;
    if (strcmp(nodes[v - 1].path, path) == 0) return v - 1;
    i = (i + 1) & (table_size - 1);
  }
}

static void insert(int idx) {
  size_t i = hash(nodes[idx].path) & (table_size - 1);
  while (table[i] != 0) i = (i + 1) & (table_size - 1);
  table[i] = idx + 1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static void load(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) { perror(file); exit(1); }
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  while ((got = getline(&line, &cap, f)) > 0) {
    if (line[got - 1] == '\n') line[--got] = 0;
    if (got == 0) continue;
    char *field[9];
    char *p = line;
    for (int k = 0; k < 9; k++) {
      field[k] = p;
      char *tab = p ? strchr(p, '\t') : NULL;
      if (tab) { *tab = 0; p = tab + 1; } else p = NULL;
    }
    if (!field[8]) { fprintf(stderr, "bad dump line\n"); exit(1); }
    if (n_nodes == cap_nodes) {
      cap_nodes = cap_nodes ? cap_nodes * 2 : 1024;
      nodes = realloc(nodes, cap_nodes * sizeof *nodes);
    }
    struct node *n = &nodes[n_nodes];
    n->path = strdup(field[0]);
    n->kind = field[1][0];
    n->mode = (mode_t)strtoul(field[2], NULL, 8);
    n->uid = (uid_t)strtoul(field[3], NULL, 10);
    n->gid = (gid_t)strtoul(field[4], NULL, 10);
    n->ino = strtoull(field[5], NULL, 10);
    n->nlink = (nlink_t)strtoul(field[6], NULL, 10);
    size_t hl = strlen(field[8]);
    n->len = hl / 2;
    n->data = malloc(n->len + 1);
    for (size_t k = 0; k < n->len; k++) n->data[k] = (char)(hexval(field[8][2 * k]) << 4 | hexval(field[8][2 * k + 1]));
    n->data[n->len] = 0;
    n->first_child = n->next_sibling = n->last_child = -1;
    n->listed = field[7][0] == '1';
    n_nodes++;
  }
  free(line);
  fclose(f);
  table_size = 1;
  while (table_size < n_nodes * 2) table_size <<= 1;
  table = calloc(table_size, sizeof *table);
  for (size_t k = 0; k < n_nodes; k++) insert((int)k);
  /* Listed children in dump order (the order readdir shows). */
  for (size_t k = 0; k < n_nodes; k++) {
    struct node *n = &nodes[k];
    if (!n->listed || strcmp(n->path, "/") == 0) continue;
    char parent[4096];
    size_t pl = (size_t)(strrchr(n->path, '/') - n->path);
    if (pl == 0) strcpy(parent, "/");
    else { memcpy(parent, n->path, pl); parent[pl] = 0; }
    int pi = find(parent);
    if (pi < 0) { fprintf(stderr, "no parent for %s\n", n->path); exit(1); }
    struct node *pn = &nodes[pi];
    if (pn->last_child < 0) pn->first_child = (int)k; else nodes[pn->last_child].next_sibling = (int)k;
    pn->last_child = (int)k;
  }
}

static void fill(const struct node *n, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_mode = n->mode;
  st->st_uid = n->uid;
  st->st_gid = n->gid;
  st->st_ino = n->ino;
  st->st_nlink = n->nlink;
  st->st_size = 0; /* as nsproc and procfs: size 0, read fully thanks to direct_io */
  st->st_atime = st->st_mtime = st->st_ctime = start_time;
}

static int b_getattr(const char *path, struct stat *st) {
  int i = find(path);
  if (i < 0) return -ENOENT;
  fill(&nodes[i], st);
  return 0;
}

static int b_readlink(const char *path, char *buf, size_t size) {
  int i = find(path);
  if (i < 0) return -ENOENT;
  if (nodes[i].kind != 'l') return -EINVAL;
  size_t n = nodes[i].len < size - 1 ? nodes[i].len : size - 1;
  memcpy(buf, nodes[i].data, n);
  buf[n] = 0;
  return 0;
}

static int b_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi) {
  (void)off; (void)fi;
  int i = find(path);
  if (i < 0) return -ENOENT;
  if (nodes[i].kind != 'd') return -ENOTDIR;
  struct stat st;
  fill(&nodes[i], &st);
  filler(buf, ".", &st, 0);
  filler(buf, "..", &st, 0);
  for (int c = nodes[i].first_child; c >= 0; c = nodes[c].next_sibling) {
    fill(&nodes[c], &st);
    const char *name = strrchr(nodes[c].path, '/') + 1;
    if (filler(buf, name, &st, 0)) break;
  }
  return 0;
}

static int b_open(const char *path, struct fuse_file_info *fi) {
  int i = find(path);
  if (i < 0) return -ENOENT;
  if (nodes[i].kind == 'd') return -EISDIR;
  if ((fi->flags & O_ACCMODE) != O_RDONLY && strcmp(path, "/nsctl") != 0) return -EACCES;
  fi->fh = (uint64_t)i + 1;
  return 0;
}

static int b_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh == 0) return -EBADF;
  const struct node *n = &nodes[fi->fh - 1];
  if (n->kind == 'n') return -EINVAL;
  if ((size_t)off >= n->len) return 0;
  size_t k = n->len - (size_t)off;
  if (k > size) k = size;
  memcpy(buf, n->data + off, k);
  return (int)k;
}

static int b_release(const char *path, struct fuse_file_info *fi) {
  (void)path; (void)fi;
  return 0;
}

static int b_statfs(const char *path, struct statvfs *sv) {
  (void)path;
  memset(sv, 0, sizeof *sv);
  sv->f_bsize = sv->f_frsize = 4096;
  sv->f_namemax = 255;
  return 0;
}

static struct fuse_operations ops = {
  .getattr = b_getattr,
  .readlink = b_readlink,
  .readdir = b_readdir,
  .open = b_open,
  .read = b_read,
  .release = b_release,
  .statfs = b_statfs,
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DUMP MOUNTPOINT [fuse options]\n", argv[0]);
    return 2;
  }
  start_time = time(NULL);
  load(argv[1]);
  fprintf(stderr, "baseline_fs: %zu nodes\n", n_nodes);
  return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
