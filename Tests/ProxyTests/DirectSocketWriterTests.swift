import NIOCore
import NIOPosix
@testable import Proxy
import Testing

/// The writer over a real loopback TCP connection: bytes arrive whole and in order whether the socket
/// takes them at once or NIO has to queue them (more than the socket buffers hold at once).
@Suite struct DirectSocketWriterTests {
    /// Writes through a `DirectSocketWriter`; the test drives it on the channel's event loop.
    final class WritingHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let writer = DirectSocketWriter()
        var context: ChannelHandlerContext?

        func channelActive(context: ChannelHandlerContext) {
            self.context = context
            writer.attach(to: context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            writer.detach()
            context.fireChannelInactive()
        }
    }

    /// Collects everything received, on its own event loop.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        let expected: Int
        let done: EventLoopPromise<ByteBuffer>

        init(expected: Int, done: EventLoopPromise<ByteBuffer>) {
            self.expected = expected
            self.done = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            if received.readableBytes == expected { done.succeed(received) }
        }
    }

    enum Step {
        case write(Int)
        case flush
        /// Keeps the sender's event loop busy a moment: the receiver drains the socket meanwhile, but NIO
        /// cannot send what it queued yet — a direct write now would overtake it.
        case hold
    }

    /// Bytes 0, 1, 2… (mod 251, so that a reordered, repeated or lost chunk shows).
    static func pattern(_ size: Int, startingAt first: Int) -> ByteBuffer {
        let bytes = (0..<251).map { UInt8($0) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        var next = first
        while buffer.readableBytes < size {
            let start = next % 251
            let run = min(size - buffer.readableBytes, 251 - start)
            buffer.writeBytes(bytes[start..<start + run])
            next += run
        }
        return buffer
    }

    /// Runs `steps` in one task on the sender's event loop, then returns what was sent and what arrived.
    func exchange(_ steps: [Step]) throws -> (sent: ByteBuffer, received: ByteBuffer) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let senderLoop = group.next(), receiverLoop = group.next()
        var sent = ByteBuffer()
        var parts: [ByteBuffer] = []
        for case .write(let size) in steps {
            parts.append(Self.pattern(size, startingAt: sent.readableBytes))
            sent.writeImmutableBuffer(parts.last!)
        }
        let collector = Collector(expected: sent.readableBytes, done: receiverLoop.makePromise())
        let server = try ServerBootstrap(group: receiverLoop, childGroup: receiverLoop)
            .childChannelInitializer { $0.pipeline.addHandler(collector) }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? server.close().wait() }
        let sender = WritingHandler()
        let client = try ClientBootstrap(group: senderLoop)
            .channelInitializer { $0.pipeline.addHandler(sender) }
            .connect(to: server.localAddress!).wait()
        defer { try? client.close().wait() }

        try senderLoop.submit {
            var next = parts.makeIterator()
            for step in steps {
                switch step {
                case .write: sender.writer.write(next.next()!, context: sender.context!)
                case .flush: sender.writer.flush(context: sender.context!)
                case .hold: usleep(200_000)
                }
            }
        }.wait()
        return (sent, try collector.done.futureResult.wait())
    }

    @Test func smallWritesArriveWholeAndInOrder() throws {
        var steps: [Step] = []
        for index in 0..<300 { steps += index % 3 == 2 ? [.write(37), .flush] : [.write(37)] }
        let result = try exchange(steps + [.flush])
        #expect(result.received == result.sent)
    }

    /// 32 MiB at once is more than loopback's socket buffers take: the rest waits in NIO, and what is
    /// written after it queues behind it, even when the socket has room again.
    @Test func bytesTheSocketCannotTakeWaitInNIOAndKeepTheirOrder() throws {
        let result = try exchange([.write(5), .write(32 << 20), .flush, .hold, .write(7), .flush, .hold,
                                   .write(11), .write(1 << 20), .flush, .write(3), .flush])
        #expect(result.received.readableBytes == result.sent.readableBytes)
        #expect(result.received == result.sent)
    }
}
