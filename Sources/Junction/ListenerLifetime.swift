import NIOCore
import ServiceLifecycle

/// Keeps listeners open until graceful shutdown (SIGTERM/SIGINT) or until the service group is
/// cancelled (another service failed, e.g. the client port was already taken), then closes them.
enum ListenerLifetime {
    static func serve(_ listeners: [Channel]) async {
        guard let first = listeners.first else { return }
        let closeAll = { for listener in listeners { listener.close(promise: nil) } }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    EventLoopFuture.andAllComplete(listeners.map(\.closeFuture), on: first.eventLoop)
                        .whenComplete { _ in continuation.resume() }
                }
            } onGracefulShutdown: {
                closeAll()
            }
        } onCancel: {
            closeAll()
        }
    }
}
