import Foundation

/// A named thread that runs one loop to its end, and lets other threads wait for that end: the
/// scaffolding of `TrackedRun`'s writer and `nnreg track`'s parser.
package final class LoopThread: @unchecked Sendable {
    private let ended = NSCondition()
    private var isRunning = false  // guarded by `ended`

    package init() {}

    /// Starts `body` on a new thread called `name`.
    package func start(name: String, _ body: @escaping @Sendable () -> Void) {
        ended.lock()
        isRunning = true
        ended.unlock()
        let thread = Thread { [self] in
            body()
            ended.lock()
            isRunning = false
            ended.broadcast()
            ended.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the loop has returned (at once if it never started or has ended).
    package func waitUntilEnded() {
        ended.lock()
        while isRunning { ended.wait() }
        ended.unlock()
    }
}
