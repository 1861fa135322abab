// nio-forwarder: the floor under Junction's cost in the benchmarks (bench/bench.py --targets …,nio-floor).
//
// Each client connection gets its own connection to one server, on the same event loop, and bytes go
// both ways unchanged: the sockets, event loops and channel pipeline Junction runs on (SwiftNIO, the same
// build flags), with nothing of MySQL. What Junction costs above it is Junction's own work per query.
//
//   nio-forwarder LISTEN_PORT SERVER_PORT THREADS      (127.0.0.1 on both sides; runs until killed)

import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One side of a client–server pair: what it reads, its partner writes (flushed at the end of each read burst).
final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var partner: Relay?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.context?.write(data, promise: nil) }
    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { partner?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// The client's side: reading starts once the server's side is connected, so the server's greeting and the
/// client's first bytes both have somewhere to go.
final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let relay = Relay()
    let serverPort: Int

    init(serverPort: Int) { self.serverPort = serverPort }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel
        let relay = self.relay
        ClientBootstrap(group: context.eventLoop)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { server in
                let serverRelay = Relay()
                serverRelay.partner = relay
                relay.partner = serverRelay
                return server.pipeline.addHandler(serverRelay)
            }
            .connect(host: "127.0.0.1", port: serverPort)
            .whenComplete { result in
                switch result {
                case .success: client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                case .failure: client.close(promise: nil)
                }
            }
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let listenPort = Int(arguments[1]), let serverPort = Int(arguments[2]),
      let threads = Int(arguments[3]), threads > 0 else {
    fputs("usage: nio-forwarder LISTEN_PORT SERVER_PORT THREADS\n", stderr)
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let listener = try ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 1024)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
    .childChannelOption(ChannelOptions.autoRead, value: false)
    .childChannelInitializer { client in
        let side = ClientSide(serverPort: serverPort)
        return client.pipeline.addHandlers([side.relay, side])
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .wait()
try listener.closeFuture.wait()
