import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag the training loop polls, so a run can finish its step,
/// write a checkpoint and end as `interrupted` instead of dying mid-write.
enum Interruption {
    private static let signalNumber = Atomic<Int32>(0)

    static var isRequested: Bool { signalNumber.load(ordering: .relaxed) != 0 }
    static var signal: Int32 { signalNumber.load(ordering: .relaxed) }

    static func install() {
        // A parent may have started us with these signals blocked (e.g. from a dispatch worker thread).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        for number in [SIGINT, SIGTERM] {
            _ = Foundation.signal(number) { received in
                Interruption.signalNumber.store(received, ordering: .relaxed)
            }
        }
    }
}
