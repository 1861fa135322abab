import NIOCore

/// Joins frames into logical packets: a frame of exactly 0xFFFFFF bytes is continued by the next.
///
/// Packets that fit in one frame are returned as slices of the input (no copy); only packets of
/// 16 MiB and more are copied into a new buffer.
public struct MySQLPacketAssembler {
    private var pending: ByteBuffer?
    private var firstSequenceID: UInt8 = 0
    /// Largest logical packet accepted; a larger one is an error (max_allowed_packet).
    public var maxPacketLength: Int

    /// Bound for packets before a login completes: a handshake response with every connection attribute is far
    /// smaller, and nobody unauthenticated gets to make a server buffer megabytes.
    public static let loginPacketLimit = 1 << 20

    public init(maxPacketLength: Int = 1 << 30) {
        self.maxPacketLength = maxPacketLength
    }

    public enum Error: Swift.Error, Equatable {
        case packetTooLarge(Int)
    }

    /// A complete logical packet: the payload and the sequence ids of its first and last frame.
    public struct Packet {
        public var payload: ByteBuffer
        public var firstSequenceID: UInt8
        public var lastSequenceID: UInt8
    }

    /// Takes frames out of `buffer` until a whole packet is there; nil when more bytes are needed. A packet whose
    /// headers announce more than `maxPacketLength` is refused as soon as the header arrives, before its bytes.
    public mutating func nextPacket(from buffer: inout ByteBuffer) throws -> Packet? {
        // The header stays in front of each payload: a command forwarded unchanged needs no new frame.
        while true {
            if let (length, _) = buffer.peekFrameHeader() {
                let announced = (pending?.readableBytes ?? 0) + length
                if announced > maxPacketLength { pending = nil; throw Error.packetTooLarge(announced) }
            }
            guard let (payload, sequenceID) = buffer.readFrameKeepingHeader() else { break }
            let continues = payload.readableBytes == MySQLFrame.maxPayloadLength
            if var joined = pending {
                var part = payload
                joined.writeBuffer(&part)
                if joined.readableBytes > maxPacketLength { pending = nil; throw Error.packetTooLarge(joined.readableBytes) }
                if continues { pending = joined; continue }
                pending = nil
                return Packet(payload: joined, firstSequenceID: firstSequenceID, lastSequenceID: sequenceID)
            }
            if continues {
                var joined = ByteBufferAllocator().buffer(capacity: payload.readableBytes * 2)
                var part = payload
                joined.writeBuffer(&part)
                pending = joined
                firstSequenceID = sequenceID
                continue
            }
            return Packet(payload: payload, firstSequenceID: sequenceID, lastSequenceID: sequenceID)
        }
        return nil
    }

    /// True while frames of a large packet have been read but not its last one.
    public var isAssembling: Bool { pending != nil }
}
