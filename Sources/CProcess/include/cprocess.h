#ifndef NNREG_CPROCESS_H
#define NNREG_CPROCESS_H

/// A pipe whose two ends close on exec; 0 on success, -1 with errno set.
int nnreg_pipe_cloexec(int fds[2]);

/// A pseudo-terminal pair in raw mode (line endings pass unchanged), with the window size of the
/// terminal on `size_from_fd` when it is one; both ends close on exec. 0 on success, -1 otherwise.
int nnreg_open_pty(int *master, int *slave, int size_from_fd);

#endif
