/// Packets waiting for a client, oldest first, with coalescing.
///
/// A packet may carry a key (for example the progress of one optimization session): a newer
/// packet with the same key replaces the waiting one in place, so a client that reads slowly
/// receives the latest progress instead of every intermediate step, and the queue of a slow
/// client grows with the number of subjects, not with the number of updates.
struct OutboundQueue {
    struct Item {
        var frame: EngineFrame
        var key: String?
    }

    private var items: [Item] = []
    /// Index in `items` of the oldest waiting packet; the prefix before it was already sent.
    private var head = 0
    /// Absolute position of the waiting packet for each key (indices in `items` shift when
    /// the sent prefix is dropped; absolute positions do not).
    private var keyed: [String: Int] = [:]
    /// Absolute position of `items[0]`.
    private var offset = 0
    /// Bytes of the waiting packets.
    private(set) var bytes = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    /// Appends `frames`, or replaces the waiting packet with the same key (keys apply to
    /// single-frame packets only: a packet with attachments is never split or merged).
    mutating func append(_ frames: [EngineFrame], key: String?) {
        if let key, frames.count == 1 {
            // One hash of the key finds the waiting packet or records the new one.
            let next = offset + items.count
            let waiting = Self.claim(&keyed[key, default: -1], for: next)
            if waiting >= 0 {
                let index = waiting - offset
                bytes += frames[0].payloadLength - items[index].frame.payloadLength
                items[index].frame = frames[0]
            } else {
                items.append(Item(frame: frames[0], key: key))
                bytes += frames[0].payloadLength
            }
            return
        }
        for frame in frames {
            items.append(Item(frame: frame, key: nil))
            bytes += frame.payloadLength
        }
    }

    /// Returns the position recorded for a key (-1 when none), recording `next` when none was.
    private static func claim(_ position: inout Int, for next: Int) -> Int {
        let recorded = position
        if recorded < 0 { position = next }
        return recorded
    }

    /// Removes and returns up to `limit` packets, oldest first, stopping early once `byteLimit`
    /// bytes are taken (at least one packet is always taken when any waits).
    mutating func removeFirst(upTo limit: Int, byteLimit: Int = .max) -> [EngineFrame] {
        var taken: [EngineFrame] = []
        var takenBytes = 0
        while taken.count < limit, taken.isEmpty || takenBytes < byteLimit, let frame = popFirst() {
            taken.append(frame)
            takenBytes += frame.payloadLength
        }
        return taken
    }

    /// Removes and returns the oldest packet, if any.
    mutating func popFirst() -> EngineFrame? {
        guard head < items.count else { return nil }
        let item = items[head]
        if let key = item.key, let entry = keyed.index(forKey: key), keyed[entry].value == offset + head {
            keyed.remove(at: entry)
        }
        head += 1
        bytes -= item.frame.payloadLength
        compactIfNeeded()
        return item.frame
    }

    mutating func removeAll() {
        offset += items.count
        items.removeAll()
        keyed.removeAll()
        head = 0
        bytes = 0
    }

    private mutating func compactIfNeeded() {
        if head == items.count {
            offset += head
            items.removeAll(keepingCapacity: items.capacity <= 64)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            offset += head
            items.removeFirst(head)
            head = 0
        }
    }
}
