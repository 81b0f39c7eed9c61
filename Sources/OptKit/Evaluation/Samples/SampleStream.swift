import Foundation

/// A stream that produces samples on demand, one at a time, from a cursor that `next` advances:
/// the consumer's pace decides how much is read, so memory stays bounded by one sample.
func sampleStream<Cursor>(_ cursor: Cursor, next: @escaping (inout Cursor) throws -> Sample?) -> AsyncThrowingStream<Sample, any Error> {
    let box = CursorBox(cursor, next: next)
    return AsyncThrowingStream { try box.advance() }
}

/// Holds a stream's cursor. The stream calls `advance` from one task at a time; the lock makes
/// that explicit rather than assumed.
private final class CursorBox<Cursor>: @unchecked Sendable {
    private var cursor: Cursor
    private let next: (inout Cursor) throws -> Sample?
    private let lock = NSLock()
    private var finished = false

    init(_ cursor: Cursor, next: @escaping (inout Cursor) throws -> Sample?) {
        self.cursor = cursor
        self.next = next
    }

    func advance() throws -> Sample? {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return nil }
        do {
            guard let sample = try next(&cursor) else {
                finished = true
                return nil
            }
            return sample
        } catch {
            finished = true
            throw error
        }
    }
}
