#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Writes a channel's bytes with one `send(2)` from the event loop, past SwiftNIO's outbound pipeline and
/// write queue, whenever NIO holds nothing queued for that channel (so the bytes keep their order).
///
/// Why: on the query path a write through NIO (pipeline, `NIOAny` boxing, the pending-writes queue, a
/// flush) cost more user-space CPU than the system call itself, twice per query. Reading stays with NIO.
///
/// What the socket does not take at once (a full send buffer, an error) goes to NIO with everything
/// written after it, until NIO has sent it all: NIO then applies its write-buffer water marks (and so
/// `isWritable` and the backpressure built on it) and its error handling and closing, as before.
///
/// Only for a channel whose pipeline has no outbound handler before the one that owns this writer
/// (no TLS): such a handler would be skipped. Every method must be called on the channel's event loop.
final class DirectSocketWriter {
    /// The socket, while the channel is open; -1 sends everything through NIO.
    private var descriptor: CInt = -1
    /// Writes handed to NIO whose promise has not completed yet: while any is pending, bytes go to NIO too.
    private var queuedInNIO = 0
    /// Written, not flushed yet (only while nothing is queued in NIO).
    private var held: ByteBuffer?
    /// NIO holds written bytes that no flush has sent yet.
    private var nioNeedsFlush = false

    init() {}

    /// Learns the channel's socket. Call when the channel is active.
    func attach(to context: ChannelHandlerContext) {
        descriptor = (try? context.pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) {
            $0
        }) ?? -1
    }

    /// Forgets the socket (the channel is closing or closed: its number may soon name another socket).
    func detach() {
        descriptor = -1
        held = nil
    }

    /// Queues `buffer`; nothing reaches the socket before `flush`.
    func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if descriptor >= 0, queuedInNIO == 0 {
            if held == nil { held = buffer } else { held!.writeImmutableBuffer(buffer) }
        } else {
            handToNIO(buffer, context: context, flush: false)
        }
    }

    /// Sends what was written.
    func flush(context: ChannelHandlerContext) {
        if var bytes = held {
            held = nil
            if sendNow(&bytes) { return }
            handToNIO(bytes, context: context, flush: true)
        } else if nioNeedsFlush {
            nioNeedsFlush = false
            context.flush()
        }
    }

    func writeAndFlush(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        write(buffer, context: context)
        flush(context: context)
    }

    /// Writes and flushes through NIO, after anything held, and reports when the bytes are sent (for
    /// a last packet before closing).
    func writeAndFlushThroughNIO(_ buffer: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        if let bytes = held {
            held = nil
            handToNIO(bytes, context: context, flush: false)
        }
        return handToNIO(buffer, context: context, flush: true)
    }

    /// True when the socket took every byte.
    private func sendNow(_ bytes: inout ByteBuffer) -> Bool {
        while true {
            let sent = bytes.withUnsafeReadableBytes { raw in
                send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if sent == bytes.readableBytes { return true }
            if sent > 0 {
                bytes.moveReaderIndex(forwardBy: sent)
                continue  // the kernel took part: try the rest once more before queueing it
            }
            if sent < 0, errno == EINTR { continue }
            // EAGAIN: NIO waits for the socket to drain. Any other error: NIO's own write meets it again
            // and closes the channel the usual way.
            return false
        }
    }

    @discardableResult
    private func handToNIO(_ buffer: ByteBuffer, context: ChannelHandlerContext, flush: Bool) -> EventLoopFuture<Void> {
        queuedInNIO += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] _ in queuedInNIO -= 1 }
        if flush {
            nioNeedsFlush = false
            context.writeAndFlush(NIOAny(buffer), promise: promise)
        } else {
            nioNeedsFlush = true
            context.write(NIOAny(buffer), promise: promise)
        }
        return promise.futureResult
    }
}
