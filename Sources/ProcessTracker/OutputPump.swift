import Foundation

/// Reads a running command's output as it comes, passes every byte on to nnreg's own stdout or
/// stderr at once, then hands it to `sink`; waits for the command to end, forwarding a stop
/// request and killing it when it outlives `gracePeriod` after one.
enum OutputPump {
    static let chunkSize = 64 * 1024

    /// Returns the command's exit status once it has ended and its output is drained. Output that
    /// a process the command left behind still writes after a short drain is not waited for.
    static func run(
        _ child: ChildProcess, gracePeriod: TimeInterval, echoes: Bool = true,
        sink: (_ stream: Int, UnsafeRawBufferPointer) -> Void
    ) -> (code: Int32, signal: Int32?) {
        var open = child.outputs
        var isDestinationOpen: [Int32: Bool] = [1: echoes, 2: echoes]
        var status: (code: Int32, signal: Int32?)?
        var endedAt: Date?
        var stopRequestedAt: Date?
        var isKilled = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while !open.isEmpty {
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polls, nfds_t(polls.count), status == nil ? 100 : 20)
            if ready > 0 {
                var closed: Set<Int32> = []
                for (index, entry) in polls.enumerated() where entry.revents != 0 {
                    let count = read(entry.fd, buffer.baseAddress, chunkSize)
                    if count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                        let destination = open[index].destination
                        if isDestinationOpen[destination] == true, !writeAll(destination, bytes) {
                            isDestinationOpen[destination] = false
                        }
                        sink(Int(destination), bytes)
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        closed.insert(entry.fd)  // end of output (a terminal answers EIO once the command has closed it)
                    }
                }
                for fd in closed { close(fd) }
                open.removeAll { closed.contains($0.fd) }
            } else if ready == 0, status != nil, let endedAt, Date().timeIntervalSince(endedAt) > 0.2 {
                break  // the command ended; whatever still holds its output open is not waited for
            }
            if status == nil, let ended = child.exitStatus(block: false) {
                status = ended
                endedAt = Date()
            }
            if status == nil, SignalForwarding.receivedSignal != 0 {
                let now = Date()
                if stopRequestedAt == nil { stopRequestedAt = now }
                if !isKilled, now.timeIntervalSince(stopRequestedAt!) > gracePeriod {
                    kill(child.pid, SIGKILL)
                    isKilled = true
                }
            }
        }
        for entry in open { close(entry.fd) }
        return status ?? child.exitStatus(block: true) ?? (1, nil)
    }

    /// Writes all of `bytes` to `fd`; false once it cannot (a closed pipe, a full disk).
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR || errno == EAGAIN {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
