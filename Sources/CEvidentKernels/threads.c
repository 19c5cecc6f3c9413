// Thread priority for the server's worker lanes: Linux keeps a nice value per thread (setpriority on the thread's
// id), which Swift cannot reach since gettid needs the variadic syscall.

#define _GNU_SOURCE
#include "CEvidentKernels.h"

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int evident_set_thread_niceness(int niceness) {
#if defined(__linux__)
    pid_t thread = (pid_t)syscall(SYS_gettid);
    return setpriority(PRIO_PROCESS, (id_t)thread, niceness);
#else
    (void)niceness;
    return -1;
#endif
}
