import CKernels
import Foundation
import Synchronization

/// A persistent pool of worker threads behind `KernelContext.parallelFor`.
///
/// Why not `DispatchQueue.concurrentPerform`: the small example models run whole inferences in
/// microseconds, and waking dispatch's workers costs tens of microseconds per parallel region.
/// Workers here spin briefly after each job (so back-to-back kernels find them awake), then sleep
/// on a condition variable so an idle engine costs no CPU.
///
/// Chunks are claimed, not assigned: the caller claims chunks too, so a worker that the OS has
/// not scheduled yet (2 cores shared with other processes) never holds a job up; it finds
/// nothing left to claim when it wakes.
///
/// Pools are shared and live for the whole process (`shared(workerCount:)`): executors come
/// and go (the conformance suite prepares thousands), and starting and joining threads for
/// each cost more than the models' runs, while tearing a pool down under its spinning workers
/// raced with them.
final class WorkerPool: @unchecked Sendable {
    /// Threads besides the caller's.
    let workerCount: Int

    /// generation (high 32 bits) | chunk count (16 bits) | next unclaimed chunk (low 16 bits).
    private let state = Atomic<UInt64>(0)
    /// Chunks of the current job that have finished.
    private let finished = Atomic<Int>(0)
    /// Workers asleep on `lock`; the caller only signals when some are.
    private let sleepers = Atomic<Int>(0)
    /// Set while a job runs; a nested or concurrent `run` then works inline instead.
    private let busy = Atomic<Bool>(false)
    private let lock = NSCondition()

    /// The current job's body; written before the generation is published, read only by a
    /// thread that has claimed a chunk of that generation.
    private var body: ((Int) -> Void)?

    /// Pause instructions a worker spins for before sleeping (a few hundred microseconds).
    private static let spinIterations = 2_000
    /// Chunks per job fit in 16 bits of `state`.
    static let maxChunks = 0xFFFF

    private static let pools = Mutex<[Int: WorkerPool]>([:])

    /// The process's pool with `workerCount` threads besides the caller's, started on first use.
    static func shared(workerCount: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[workerCount] { return pool }
            let pool = WorkerPool(workerCount: workerCount)
            pools[workerCount] = pool
            return pool
        }
    }

    private init(workerCount: Int) {
        self.workerCount = max(0, workerCount)
        for index in 0..<self.workerCount {
            let thread = Thread { self.workerLoop() }
            thread.name = "optctl-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the caller and the workers; returns
    /// when all have finished. A call made while another job runs (a kernel nesting parallel
    /// loops) runs its chunks on the calling thread.
    func run(chunks: Int, _ body: (Int) -> Void) {
        precondition(chunks <= Self.maxChunks)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            finished.store(0, ordering: .relaxed)
            let current = state.load(ordering: .relaxed)
            let generation = (current >> 32) &+ 1
            state.store(generation << 32 | UInt64(chunks) << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                lock.lock()
                lock.broadcast()
                lock.unlock()
            }
            work(generation: generation)
            while finished.load(ordering: .acquiring) < chunks { ck_cpu_relax() }
            self.body = nil
        }
    }

    /// Claims and runs chunks of `generation` until none is left.
    private func work(generation: UInt64) {
        var current = state.load(ordering: .acquiring)
        while current >> 32 == generation {
            let next = current & 0xFFFF
            let count = (current >> 16) & 0xFFFF
            if next >= count { return }
            let (exchanged, original) = state.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                body?(Int(next))
                finished.add(1, ordering: .releasing)
                current = state.load(ordering: .acquiring)
            } else {
                current = original
            }
        }
    }

    private func workerLoop() -> Never {
        var seen = state.load(ordering: .acquiring) >> 32
        while true {
            var spins = 0
            var generation = state.load(ordering: .acquiring) >> 32
            while generation == seen {
                spins += 1
                if spins < Self.spinIterations {
                    ck_cpu_relax()
                } else {
                    lock.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while state.load(ordering: .sequentiallyConsistent) >> 32 == seen {
                        lock.wait()
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    lock.unlock()
                    spins = 0
                }
                generation = state.load(ordering: .acquiring) >> 32
            }
            seen = generation
            work(generation: generation)
        }
    }
}
