import NIOCore

extension ClientSession {
    /// Bytes a client may send ahead of its running command. Past this Junction stops reading the client's
    /// socket until the command ends: a client that pipelines without reading cannot make it buffer without
    /// bound (the kernel's socket buffers, then the client's own writes, hold the rest).
    static let pipelinedBytesLimit = 4 << 20

    /// Pauses reading while a command runs with more than `pipelinedBytesLimit` waiting, resumes otherwise
    /// (NIO reads again as soon as auto-read is back on).
    func pauseOrResumeReading() {
        let waitsForCommand: Bool
        if case .running = phase { waitsForCommand = true } else { waitsForCommand = false }
        let pause = waitsForCommand && inbound.readableBytes > Self.pipelinedBytesLimit
        guard pause != readingPaused, let options = context?.channel.syncOptions else { return }
        readingPaused = pause
        try? options.setOption(ChannelOptions.autoRead, value: !pause)
    }
}
