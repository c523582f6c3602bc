/* An LD_PRELOAD shim for the fsync fault test (sqlite_fsync_fault_test.cc): while the file named
 * by FSYNC_FAULT_TRIGGER exists, fsync(2) and fdatasync(2) fail with EIO without syncing, as
 * they do on Linux when the disk cannot write back a file's dirty pages. Without the variable,
 * or while the file is absent, both pass through to the C library. The variable has no JWTD_
 * prefix: jwtd reads those as configuration. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*SyncFn)(int);

static int Failing(void) {
  const char* trigger = getenv("FSYNC_FAULT_TRIGGER");
  return trigger != NULL && trigger[0] != '\0' && access(trigger, F_OK) == 0;
}

static int Call(const char* name, int fd) {
  /* dlsym is thread-safe; a race only looks the symbol up twice. */
  SyncFn real = (SyncFn)dlsym(RTLD_NEXT, name);
  if (real == NULL) {
    errno = ENOSYS;
    return -1;
  }
  return real(fd);
}

int fsync(int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  return Call("fsync", fd);
}

int fdatasync(int fd) {
  if (Failing()) {
    errno = EIO;
    return -1;
  }
  return Call("fdatasync", fd);
}
