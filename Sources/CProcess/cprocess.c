// Process plumbing the Swift Glibc module does not expose (it needs _GNU_SOURCE / _XOPEN_SOURCE).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cprocess.h"

int nnreg_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int nnreg_open_pty(int *master, int *slave, int size_from_fd) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    char name[128];
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof name) != 0) {
        close(m);
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        close(m);
        return -1;
    }
    struct termios settings;
    if (tcgetattr(s, &settings) == 0) {
        cfmakeraw(&settings);
        tcsetattr(s, TCSANOW, &settings);
    }
    struct winsize size;
    if (ioctl(size_from_fd, TIOCGWINSZ, &size) == 0) ioctl(m, TIOCSWINSZ, &size);
    *master = m;
    *slave = s;
    return 0;
}
