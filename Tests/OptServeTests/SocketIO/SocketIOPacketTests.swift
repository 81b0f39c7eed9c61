import NIOCore
import OptKit
@testable import OptServe
import Testing

@Suite("Socket.IO packet codec")
struct SocketIOPacketTests {
    static func text(_ packet: SocketIOPacket) -> String {
        String(buffer: packet.frames()[0].bytes)
    }

    @Test("encodes every packet form the way the reference server writes it")
    func encoding() {
        #expect(Self.text(SocketIOPacket(kind: .connect, data: #"{"sid":"a"}"#)) == #"40{"sid":"a"}"#)
        #expect(Self.text(SocketIOPacket(kind: .connect, namespace: "/custom", data: #"{"sid":"a"}"#)) == #"40/custom,{"sid":"a"}"#)
        #expect(Self.text(SocketIOPacket(kind: .disconnect, namespace: "/custom")) == "41/custom,")
        #expect(Self.text(SocketIOPacket(kind: .disconnect)) == "41")
        #expect(Self.text(SocketIOPacket(kind: .event, data: #"["a",1]"#)) == #"42["a",1]"#)
        #expect(Self.text(SocketIOPacket(kind: .ack, id: 0, data: "[]")) == "430[]")
        #expect(Self.text(SocketIOPacket(kind: .ack, namespace: "/n", id: 12, data: "[1]")) == "43/n,12[1]")
        #expect(Self.text(SocketIOPacket(kind: .connectError, data: #"{"message":"no"}"#)) == #"44{"message":"no"}"#)
        let binary = SocketIOPacket(
            kind: .binaryAck, id: 789, data: #"[{"_placeholder":true,"num":0}]"#, attachments: [ByteBuffer(bytes: [1, 2])])
        let frames = binary.frames()
        #expect(frames.count == 2)
        #expect(String(buffer: frames[0].bytes) == #"461-789[{"_placeholder":true,"num":0}]"#)
        #expect(frames[1].isBinary)
        #expect(Array(frames[1].bytes.readableBytesView) == [1, 2])
    }

    @Test("decodes namespaces, ack ids and attachment counts")
    func decoding() throws {
        let connect = try SocketIOPacket.decode(#"0/custom?x=1,{"token":"t"}"#)
        #expect(connect.packet.kind == .connect)
        #expect(connect.packet.namespace == "/custom")
        #expect(connect.payload == .object(["token": .string("t")]))
        #expect(try SocketIOPacket.decode("0/custom").packet.namespace == "/custom")
        #expect(try SocketIOPacket.decode("0{}").packet.namespace == "/")
        #expect(try SocketIOPacket.decode("0").payload == nil)

        let event = try SocketIOPacket.decode(#"2/n,0["ev",{"a":[true]}]"#)
        #expect(event.packet.kind == .event)
        #expect(event.packet.namespace == "/n")
        #expect(event.packet.id == 0)

        let ack = try SocketIOPacket.decode(#"2456["message-with-ack",1]"#)
        #expect(ack.packet.id == 456)

        let binary = try SocketIOPacket.decode(#"52-789["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        #expect(binary.packet.kind == .binaryEvent)
        #expect(binary.expectedAttachments == 2)
        #expect(binary.packet.id == 789)
    }

    @Test("refuses what a client may not send", arguments: [
        "abc", "7", "9[]", "", "2{}", "2[]", "2[1]", #"2abc["m"]"#, #"2["connect"]"#, #"2["disconnect",1]"#,
        "1{}", "3[1]", #"4{"message":"x"}"#, "0[1]", "2[", #"5["m",{"_placeholder":true,"num":0}]"#,
        #"51-["m",{"_placeholder":true,"num":1}]"#, #"5999999-["m"]"#, "21234567890123456[\"m\"]",
    ])
    func refusals(_ text: String) {
        #expect(throws: SocketIOPacket.DecodingError.self) { try SocketIOPacket.decode(text) }
    }
}

@Suite("Outbound queue")
struct OutboundQueueTests {
    static func frame(_ text: String) -> EngineFrame { .message(text) }
    static func texts(_ frames: [EngineFrame]) -> [String] { frames.map { String(buffer: $0.bytes) } }

    @Test("a newer packet with the same key replaces the waiting one in place")
    func coalescing() {
        var queue = OutboundQueue()
        queue.append([Self.frame("a1")], key: "a")
        queue.append([Self.frame("x")], key: nil)
        queue.append([Self.frame("a2")], key: "a")
        queue.append([Self.frame("b1")], key: "b")
        queue.append([Self.frame("a3")], key: "a")
        #expect(queue.count == 3)
        #expect(Self.texts(queue.removeFirst(upTo: 10)) == ["4a3", "4x", "4b1"])
        // Once sent, a key starts a new waiting packet.
        queue.append([Self.frame("a4")], key: "a")
        queue.append([Self.frame("a5")], key: "a")
        #expect(Self.texts(queue.removeFirst(upTo: 10)) == ["4a5"])
        #expect(queue.isEmpty)
        #expect(queue.bytes == 0)
    }

    @Test("packets with attachments stay whole and in order; limits split batches")
    func batches() {
        var queue = OutboundQueue()
        for index in 0..<200 { queue.append([Self.frame("m\(index)")], key: index % 2 == 0 ? "k\(index)" : nil) }
        queue.append([Self.frame("h"), .message(ByteBuffer(bytes: [1]))], key: "h")
        queue.append([Self.frame("h2")], key: "h")
        var sent: [String] = []
        while !queue.isEmpty { sent += Self.texts(queue.removeFirst(upTo: 16)) }
        #expect(sent.count == 203)
        #expect(sent.prefix(200) == ArraySlice((0..<200).map { "4m\($0)" }))
        #expect(sent.suffix(3) == ["4h", "\u{1}", "4h2"])
        queue.append([Self.frame("aaaa")], key: nil)
        queue.append([Self.frame("bbbb")], key: nil)
        #expect(queue.removeFirst(upTo: 10, byteLimit: 3).count == 1)
        #expect(queue.bytes == 5)
    }
}
