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
        if let key, frames.count == 1, let position = keyed[key] {
            let index = position - offset
            bytes += frames[0].bytes.readableBytes - items[index].frame.bytes.readableBytes
            items[index].frame = frames[0]
            return
        }
        let coalescable = frames.count == 1 ? key : nil
        for frame in frames {
            if let coalescable { keyed[coalescable] = offset + items.count }
            items.append(Item(frame: frame, key: coalescable))
            bytes += frame.bytes.readableBytes
        }
    }

    /// Removes and returns up to `limit` packets, oldest first, stopping early once `byteLimit`
    /// bytes are taken (at least one packet is always taken when any waits).
    mutating func removeFirst(upTo limit: Int, byteLimit: Int = .max) -> [EngineFrame] {
        var taken: [EngineFrame] = []
        var takenBytes = 0
        while head < items.count, taken.count < limit, taken.isEmpty || takenBytes < byteLimit {
            let item = items[head]
            if let key = item.key, keyed[key] == offset + head { keyed[key] = nil }
            taken.append(item.frame)
            takenBytes += item.frame.bytes.readableBytes
            head += 1
        }
        bytes -= takenBytes
        compactIfNeeded()
        return taken
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
