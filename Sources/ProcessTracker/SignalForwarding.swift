import Foundation
import Synchronization

/// SIGINT, SIGTERM and SIGHUP while a tracked command runs: nnreg records that it was asked to
/// stop and passes the signal on to the command, which then has `gracePeriod` to end before it is
/// killed. A Ctrl-C typed at the terminal already reaches the command (it shares nnreg's process
/// group), so only a signal another process sent (`kill`) is forwarded: the command gets one
/// signal either way.
enum SignalForwarding {
    private static let childPID = Atomic<Int32>(0)
    private static let received = Atomic<Int32>(0)

    /// The first stopping signal nnreg received, or 0.
    static var receivedSignal: Int32 { received.load(ordering: .relaxed) }

    static func install() {
        // A closed stdout (`nnreg track … | head`) must not kill nnreg: it keeps recording.
        Foundation.signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, number) }
        sigprocmask(SIG_UNBLOCK, &set, nil)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { number, info, _ in
                _ = SignalForwarding.received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                let pid = SignalForwarding.childPID.load(ordering: .relaxed)
                // SI_KERNEL: the terminal driver sent it to the whole foreground group, child included.
                let isFromTerminal = info.map { $0.pointee.si_code == 0x80 } ?? false
                if pid > 0, !isFromTerminal { kill(pid, number) }
            }
            action.sa_flags = SA_SIGINFO | SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    static func forward(to pid: pid_t) {
        childPID.store(pid, ordering: .relaxed)
        // A signal that arrived while the child was starting is passed on now.
        let signal = receivedSignal
        if signal != 0 { kill(pid, signal) }
    }
}
