import MySQLProtocol
import NIOCore
import Testing

@Suite struct FramingTests {
    func payload(_ count: Int, byte: UInt8 = 0x41) -> ByteBuffer {
        var b = ByteBufferAllocator().buffer(capacity: count)
        b.writeRepeatingByte(byte, count: count)
        return b
    }

    @Test func smallPacketRoundTrips() throws {
        var wire = ByteBuffer()
        let next = wire.writeMySQLPacket(sequenceID: 7, payload: payload(10))
        #expect(next == 8)
        #expect(wire.readableBytes == 14)
        var assembler = MySQLPacketAssembler()
        let packet = try #require(try assembler.nextPacket(from: &wire))
        #expect(packet.payload.readableBytes == 10)
        #expect(packet.firstSequenceID == 7 && packet.lastSequenceID == 7)
    }

    @Test(arguments: [0xFF_FFFE, 0xFF_FFFF, 0x100_0000, 2 * 0xFF_FFFF, 2 * 0xFF_FFFF + 5])
    func largePayloadsSplitAndJoin(size: Int) throws {
        var wire = ByteBuffer()
        let next = wire.writeMySQLPacket(sequenceID: 0, payload: payload(size, byte: 0x5A))
        let frames = size / 0xFF_FFFF + 1
        #expect(Int(next) == frames)
        #expect(wire.readableBytes == size + 4 * frames)
        var assembler = MySQLPacketAssembler()
        let packet = try #require(try assembler.nextPacket(from: &wire))
        #expect(packet.payload.readableBytes == size)
        #expect(packet.lastSequenceID == UInt8(frames - 1))
        #expect(packet.payload.readableBytesView.allSatisfy { $0 == 0x5A })
        #expect(wire.readableBytes == 0)
    }

    @Test func partialFramesYieldNothingUntilComplete() throws {
        var full = ByteBuffer()
        full.writeMySQLPacket(sequenceID: 3, payload: payload(100))
        full.writeMySQLPacket(sequenceID: 4, payload: payload(5))
        var assembler = MySQLPacketAssembler()
        var incoming = ByteBuffer()
        var received: [Int] = []
        // Drip-feed one byte at a time.
        while let byte = full.readInteger(as: UInt8.self) {
            incoming.writeInteger(byte)
            while let packet = try assembler.nextPacket(from: &incoming) { received.append(packet.payload.readableBytes) }
        }
        #expect(received == [100, 5])
    }

    @Test func assembledCommandIsForwardedWithItsOwnFrame() throws {
        var wire = ByteBuffer()
        var command = ByteBuffer()
        command.writeInteger(UInt8(3))
        command.writeString("SELECT c FROM sbtest1 WHERE id=42")
        wire.writeMySQLPacket(sequenceID: 0, payload: command)
        let sent = wire
        var assembler = MySQLPacketAssembler()
        let packet = try #require(try assembler.nextPacket(from: &wire))
        #expect(packet.payload == command)
        // The frame handed on is byte for byte what the client sent, and what framing a copy would write.
        #expect(packet.payload.frameInFront(sequenceID: 0) == sent)
        // Another sequence id, or a payload with no header in front of it, must be framed anew.
        #expect(packet.payload.frameInFront(sequenceID: 1) == nil)
        #expect(command.frameInFront(sequenceID: 0) == nil)
        // A payload read past its start no longer matches the header in front of it.
        var advanced = packet.payload
        advanced.moveReaderIndex(forwardBy: 1)
        #expect(advanced.frameInFront(sequenceID: 0) == nil)
    }

    @Test func packetOverTheLimitIsRejected() {
        var wire = ByteBuffer()
        wire.writeMySQLPacket(sequenceID: 0, payload: payload(0xFF_FFFF + 10))
        var assembler = MySQLPacketAssembler(maxPacketLength: 0xFF_FFFF)
        #expect(throws: MySQLPacketAssembler.Error.self) { try assembler.nextPacket(from: &wire) }
    }

    @Test func aSingleFrameOverTheLimitIsRefusedFromItsHeaderAlone() {
        // Only the header of a 16 MiB frame has arrived: refused now, not after 16 MiB are buffered.
        var wire = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0x01, 0x41])
        var assembler = MySQLPacketAssembler(maxPacketLength: 1 << 20)
        #expect(throws: MySQLPacketAssembler.Error.packetTooLarge(0xFF_FFFF)) { try assembler.nextPacket(from: &wire) }
        var fits = ByteBuffer()
        fits.writeMySQLPacket(sequenceID: 0, payload: payload(1 << 20))
        var roomy = MySQLPacketAssembler(maxPacketLength: 1 << 20)
        #expect((try? roomy.nextPacket(from: &fits))??.payload.readableBytes == 1 << 20)
    }

    @Test(arguments: [UInt64(0), 250, 251, 0xFFFF, 0x1_0000, 0xFF_FFFF, 0x100_0000, UInt64.max])
    func lengthEncodedIntegersRoundTrip(value: UInt64) {
        var b = ByteBuffer()
        b.writeLengthEncodedInteger(value)
        #expect(b.readLengthEncodedInteger() == value)
        #expect(b.readableBytes == 0)
    }

    @Test func truncatedLengthEncodedIntegerLeavesBufferAlone() {
        var b = ByteBuffer(bytes: [0xFD, 0x01])
        #expect(b.readLengthEncodedInteger() == nil)
        #expect(b.readableBytes == 2)
    }
}
